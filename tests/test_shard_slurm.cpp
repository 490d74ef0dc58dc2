// The Slurm job-array launcher (scripts/slurm/infermark-array.sbatch): its shard arithmetic, run
// with the array variables set by hand and INFERMARK_DRY_RUN=1 (prints the command, runs nothing).
#include <catch2/catch.hpp>

#include "support/cli_fixture.hpp"

using namespace infermark::test;

namespace {

const std::string kScript = std::string(INFERMARK_SOURCE_DIR) + "/scripts/slurm/infermark-array.sbatch";

ProcessResult launch(const std::map<std::string, std::string>& array_env,
                     const std::vector<std::string>& extra = {}) {
  std::map<std::string, std::string> env = array_env;
  env["INFERMARK_DRY_RUN"] = "1";
  env["INFERMARK"] = "/opt/im/infermark";
  env["INFERMARK_OUT_DIR"] = "/scratch/sweep";
  std::vector<std::string> argv = {"/bin/bash", kScript};
  argv.insert(argv.end(), extra.begin(), extra.end());
  // A real array job's variables in this environment must not leak into the test.
  std::vector<std::string> unset = {"INFERMARK_RUN_GROUP", "INFERMARK_SUITE", "INFERMARK_STORE"};
  for (const char* k : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"})
    if (!env.count(k)) unset.push_back(k);
  return run_process(argv, env, unset, 20);
}

}  // namespace

TEST_CASE("slurm array script: task ids 0…N-1 run shards 1/N … N/N", "[shard][slurm]") {
  for (int id = 0; id < 3; ++id) {
    const ProcessResult r =
        launch({{"SLURM_ARRAY_TASK_ID", std::to_string(id)}, {"SLURM_ARRAY_TASK_COUNT", "3"}});
    INFO(r.describe() << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const std::string shard = std::to_string(id + 1) + "/3";
    CHECK(r.out == "/opt/im/infermark run --suite standard --shard " + shard +
                       " --out /scratch/sweep/shard-" + std::to_string(id + 1) + "-of-3.json \n");
  }
}

TEST_CASE("slurm array script: an array from 1 (SLURM_ARRAY_TASK_MIN), extra options, run group, store",
          "[shard][slurm]") {
  std::map<std::string, std::string> env = {{"SLURM_ARRAY_TASK_ID", "4"},
                                            {"SLURM_ARRAY_TASK_COUNT", "4"},
                                            {"SLURM_ARRAY_TASK_MIN", "1"}};
  ProcessResult r = run_process({"/bin/bash", kScript, "--backend", "onednn"},
                                [&] {
                                  auto e = env;
                                  e["INFERMARK_DRY_RUN"] = "1";
                                  e["INFERMARK"] = "infermark";
                                  e["INFERMARK_SUITE"] = "edge";
                                  e["INFERMARK_RUN_GROUP"] = "rack 7";
                                  e["INFERMARK_STORE"] = "postgresql://bench@db/results";
                                  e["INFERMARK_OUT_DIR"] = "out";
                                  return e;
                                }(),
                                {}, 20);
  INFO(r.describe() << "\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "infermark run --suite edge --shard 4/4 --out out/shard-4-of-4.json "
                 "--run-group rack\\ 7 --store postgresql://bench@db/results --backend onednn \n");
}

TEST_CASE("slurm array script: refuses ids outside the array and a missing array", "[shard][slurm]") {
  ProcessResult r = launch({{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "3"}});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--array=0-2"));
  CHECK(r.out.empty());
  r = launch({});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("SLURM_ARRAY_TASK_ID is not set"));
  r = launch({{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "3"}});
  CHECK(r.exit_code == 2);
}
