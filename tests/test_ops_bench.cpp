// infermark-ops and its case list: every distinct op of a suite's models as a one-op graph that
// runs on the reference, and the Google Benchmark executable's output, filters and bad input.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>

#include "backends/registry.hpp"
#include "suites/model_op_cases.hpp"
#include "support/process.hpp"

using namespace infermark;

namespace {

Suite shipped(const std::string& name) {
  return load_suite(name, std::string(INFERMARK_SOURCE_DIR) + "/suites");
}

}  // namespace

TEST_CASE("model op cases hold every op kind of the suite once per distinct shape", "[ops]") {
  const Suite suite = shipped("smoke");
  const auto cases = model_op_cases(suite);
  std::set<OpKind> in_suite;
  size_t total_ops = 0;
  for (const auto& w : suite.workloads) {
    Workload one = w;
    one.layers = 1;
    for (const auto& op : lower(one).ops) {
      in_suite.insert(op.kind);
      ++total_ops;
    }
  }
  std::set<OpKind> in_cases;
  std::set<std::string> names;
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(names.insert(c.name).second);
    in_cases.insert(c.lowered->ops.at(c.op_index).kind);
  }
  CHECK(in_cases == in_suite);
  CHECK(cases.size() < total_ops);  // repeated shapes (e.g. across batch sizes' norms) fold
}

TEST_CASE("each model op case is a one-op graph the reference runs at the op's shape", "[ops]") {
  auto ref = make_backend("reference");
  const auto dev = ref->devices().at(0);
  for (const auto& mc : model_op_cases(shipped("smoke"))) {
    if (mc.precision != Precision::F32) continue;
    INFO(mc.name);
    const GraphCase c = mc.make();
    REQUIRE(c.graph.ops.size() == 1);
    for (const auto& t : c.graph.tensors)
      if (t.role != TensorRole::Activation && t.role != TensorRole::Output)
        CHECK(c.constants.has(t.name));
    auto exe = ref->compile(c.graph, c.constants, dev, {});
    exe->run();
    exe->sync();
    const HostTensor out = exe->output();
    CHECK(out.shape == mc.lowered->tensor(mc.lowered->ops.at(mc.op_index).output).shape);
    for (float v : out.f32) REQUIRE(std::isfinite(v));
  }
}

#ifdef INFERMARK_OPS_BINARY

TEST_CASE("infermark-ops times the filtered ops on every backend present, with rate counters",
          "[ops]") {
  const auto r = test::run_process({INFERMARK_OPS_BINARY, "--suite=smoke",
                                    "--benchmark_filter=matmul/tiny-bert",
                                    "--benchmark_min_time=0.002", "--benchmark_format=json"});
  INFO(r.describe() << "\n" << r.err);
  REQUIRE(r.exited);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  std::set<std::string> backends_seen;
  for (const auto& b : j.at("benchmarks")) {
    const std::string name = b.at("name");
    INFO(name);
    CHECK(name.rfind("matmul/tiny-bert/", 0) == 0);
    CHECK_FALSE(b.value("error_occurred", false));
    CHECK(b.at("FLOP/s").get<double>() > 0);
    CHECK(b.at("bytes/s").get<double>() > 0);
    backends_seen.insert(name.substr(name.rfind('/', name.find(':')) + 1,
                                     name.find(':') - name.rfind('/', name.find(':')) - 1));
  }
  for (const auto& e : backend_registry()) {
    if (e.name == "reference" || e.make()->devices().empty()) continue;
    INFO("backend " << e.name);
    CHECK(backends_seen.count(e.name) == 1);
  }
}

TEST_CASE("infermark-ops refuses an unknown suite or flag with exit code 2", "[ops]") {
  const auto bad_suite = test::run_process({INFERMARK_OPS_BINARY, "--suite=no-such-suite"});
  CHECK(bad_suite.exit_code == 2);
  CHECK(bad_suite.err.find("no-such-suite") != std::string::npos);
  const auto bad_flag = test::run_process({INFERMARK_OPS_BINARY, "--no-such-flag"});
  CHECK(bad_flag.exit_code == 2);
}

#endif
