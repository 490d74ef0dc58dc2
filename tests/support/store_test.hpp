// The store tests run one list against both databases: STORE_TEST defines a body taking a
// StoreTarget and registers it twice, "store sqlite: …" and "store postgresql: …".
#pragma once

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "results/model/result.hpp"
#include "support/cli_fixture.hpp"

namespace infermark::test {

// Where one test's store lives: a file in its scratch directory, or a fresh database on this
// process's throw-away PostgreSQL server (the test exits 77, skipped, when none can start).
struct StoreTarget {
  std::string kind;  // "sqlite" | "postgresql"
  std::string url;
  std::unique_ptr<ScratchDir> scratch;  // files the test writes
};
StoreTarget make_store_target(const std::string& kind);

// A result document as `infermark run` writes it: the result fixture's run (one passed
// benchmark with samples and summaries, one unimplemented), as ordered JSON.
ojson fixture_document();

// The fixture document as if run on machine `machine` (hostname "bench-<machine>", its own CPU
// model) as run number `run`, started `run` hours after 2026-11-01T00:00:00Z, with every host
// sample, device sample and latency summary (and its interval) multiplied by `scale`.
ojson machine_document(int machine, int run, double scale);

}  // namespace infermark::test

#define IM_STORE_TEST_CAT2(a, b) a##b
#define IM_STORE_TEST_CAT(a, b) IM_STORE_TEST_CAT2(a, b)
#define STORE_TEST(description)                                                              \
  static void IM_STORE_TEST_CAT(store_test_body_, __LINE__)(::infermark::test::StoreTarget&); \
  TEST_CASE("store sqlite: " description, "[store][sqlite]") {                               \
    auto t = ::infermark::test::make_store_target("sqlite");                                 \
    IM_STORE_TEST_CAT(store_test_body_, __LINE__)(t);                                        \
  }                                                                                          \
  TEST_CASE("store postgresql: " description, "[store][postgresql]") {                       \
    auto t = ::infermark::test::make_store_target("postgresql");                             \
    IM_STORE_TEST_CAT(store_test_body_, __LINE__)(t);                                        \
  }                                                                                          \
  static void IM_STORE_TEST_CAT(store_test_body_, __LINE__)(::infermark::test::StoreTarget & t)
