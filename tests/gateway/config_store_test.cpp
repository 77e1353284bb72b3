// The config store: seeding, the commit point, history numbering and bounds, the pending
// commit-confirm record and the crash rules applied at start.
#include "gateway/config_store.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "common/atomic_file.hpp"
#include "test_support.hpp"

using namespace rempart;
using namespace rempart::gateway;

namespace {

ConfigStore openStore(const std::filesystem::path& dir) {
  auto s = ConfigStore::open(dir);
  REQUIRE(s);
  return std::move(*s);
}

std::string must(Result<std::string> r) {
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("config store: the first start seeds active and history 1", "[unit][config-store]") {
  test::ScopedTempDir tmp("cfgstore");
  auto store = openStore(tmp.path() / "config");
  CHECK_FALSE(store.hasActive());
  auto report = store.prepare(std::string("a: 1\n"), "seeded from test");
  REQUIRE(report);
  CHECK(report->seeded);
  CHECK_FALSE(report->rolled_back);
  CHECK(must(store.active()) == "a: 1\n");
  auto h = store.history();
  REQUIRE(h);
  REQUIRE(h->size() == 1);
  CHECK((*h)[0].number == 1);
  CHECK((*h)[0].who == "rempartd");
  CHECK((*h)[0].comment == "seeded from test");
  CHECK((*h)[0].when.size() == 20);

  // A second start ignores a seed: the store is what runs.
  auto again = openStore(tmp.path() / "config");
  auto r2 = again.prepare(std::string("b: 2\n"), "other");
  REQUIRE(r2);
  CHECK_FALSE(r2->seeded);
  CHECK(must(again.active()) == "a: 1\n");
  CHECK(again.history()->size() == 1);
}

TEST_CASE("config store: without an active config or a seed, start fails", "[unit][config-store]") {
  test::ScopedTempDir tmp("cfgstore");
  auto store = openStore(tmp.path() / "config");
  auto r = store.prepare(std::nullopt, "");
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("no active config") != std::string::npos);
}

TEST_CASE("config store: history numbers grow, the newest comes first, and only the last 50 stay",
          "[unit][config-store]") {
  test::ScopedTempDir tmp("cfgstore");
  auto store = openStore(tmp.path() / "config");
  for (int i = 1; i <= 55; ++i) {
    auto n = store.appendHistory("v: " + std::to_string(i) + "\n", "alice",
                                 "change\n" + std::to_string(i));
    REQUIRE(n);
    CHECK(*n == static_cast<unsigned>(i));
  }
  auto h = store.history();
  REQUIRE(h);
  REQUIRE(h->size() == ConfigStore::kMaxHistory);
  CHECK(h->front().number == 55);
  CHECK(h->back().number == 6);
  CHECK(h->front().comment == "change 55");  // control characters replaced
  CHECK(must(store.historyText(55)) == "v: 55\n");
  CHECK(must(store.historyText(6)) == "v: 6\n");
  auto gone = store.historyText(5);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == ErrorCode::kNotFound);
  CHECK_FALSE(store.historyText(0));
  CHECK_FALSE(std::filesystem::exists(tmp.path() / "config/history/000005.meta"));
}

TEST_CASE("config store: candidate set, read and cleared", "[unit][config-store]") {
  test::ScopedTempDir tmp("cfgstore");
  auto store = openStore(tmp.path() / "config");
  auto none = store.candidate();
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  REQUIRE(store.setCandidate("c: 1\n"));
  auto c = store.candidate();
  REQUIRE(c);
  REQUIRE(c->has_value());
  CHECK(**c == "c: 1\n");
  REQUIRE(store.clearCandidate());
  CHECK_FALSE(store.candidate()->has_value());
  CHECK(store.clearCandidate());  // clearing nothing is fine
}

TEST_CASE("config store: the pending-confirm record round-trips", "[unit][config-store]") {
  PendingConfirm p;
  p.previous = "levels:\n  - name: red\n\n\nend: 1\n";  // blank lines in the config itself
  p.armed_by = "alice";
  p.minutes = 0.1;
  p.deadline_unix = 1764870000;
  auto text = ConfigStore::encodePending(p);
  auto back = ConfigStore::decodePending(text);
  REQUIRE(back);
  CHECK(back->previous == p.previous);
  CHECK(back->armed_by == "alice");
  CHECK(back->minutes == Approx(0.1));
  CHECK(back->deadline_unix == p.deadline_unix);
  CHECK_FALSE(ConfigStore::decodePending("garbage"));
  CHECK_FALSE(ConfigStore::decodePending("rempart-pending-confirm 1\narmed_by=x\n\nabc"));
}

TEST_CASE(
    "config store: a pending confirm found at start rolls back, whether or not the commit "
    "point was passed",
    "[unit][config-store]") {
  for (bool passed : {false, true}) {
    test::ScopedTempDir tmp("cfgstore");
    auto store = openStore(tmp.path() / "config");
    REQUIRE(store.prepare(std::string("old: 1\n"), "seed"));
    PendingConfirm p{"old: 1\n", "alice", 1, 0};
    REQUIRE(store.setPending(p));
    if (passed) REQUIRE(store.setActive("new: 2\n"));
    // "crash", then start again
    auto again = openStore(tmp.path() / "config");
    auto report = again.prepare(std::nullopt, "");
    REQUIRE(report);
    REQUIRE(report->rolled_back);
    CHECK(report->rolled_back->armed_by == "alice");
    CHECK(must(again.active()) == "old: 1\n");
    auto pending = again.pending();
    REQUIRE(pending);
    CHECK_FALSE(pending->has_value());
    // History ends with what is active.
    auto h = again.history();
    REQUIRE(h);
    CHECK(must(again.historyText(h->front().number)) == "old: 1\n");
  }
}

TEST_CASE(
    "config store: an active config missing from history (crash after the commit point) "
    "is added at start",
    "[unit][config-store]") {
  test::ScopedTempDir tmp("cfgstore");
  auto store = openStore(tmp.path() / "config");
  REQUIRE(store.prepare(std::string("old: 1\n"), "seed"));
  REQUIRE(store.setActive("new: 2\n"));
  auto again = openStore(tmp.path() / "config");
  auto report = again.prepare(std::nullopt, "");
  REQUIRE(report);
  CHECK(report->history_repaired);
  auto h = again.history();
  REQUIRE(h);
  REQUIRE(h->size() == 2);
  CHECK(must(again.historyText(2)) == "new: 2\n");
}

TEST_CASE(
    "config store: temporary files of interrupted writes are removed at open, and history "
    "ignores stray names",
    "[unit][config-store]") {
  test::ScopedTempDir tmp("cfgstore");
  auto dir = tmp.path() / "config";
  {
    auto store = openStore(dir);
    REQUIRE(store.prepare(std::string("a: 1\n"), "seed"));
  }
  std::ofstream(dir / ".active.yaml.AbC123") << "half";
  std::ofstream(dir / "history/.000002.yaml.XyZ789") << "half";
  std::ofstream(dir / "history/notes.txt") << "x";
  std::ofstream(dir / "history/12.yaml") << "x";
  auto store = openStore(dir);
  CHECK_FALSE(std::filesystem::exists(dir / ".active.yaml.AbC123"));
  CHECK_FALSE(std::filesystem::exists(dir / "history/.000002.yaml.XyZ789"));
  auto h = store.history();
  REQUIRE(h);
  CHECK(h->size() == 1);
  auto n = store.appendHistory("b: 2\n", "bob", "");
  REQUIRE(n);
  CHECK(*n == 2);
}

TEST_CASE("config store: files are private to rempartd", "[unit][config-store]") {
  test::ScopedTempDir tmp("cfgstore");
  auto store = openStore(tmp.path() / "config");
  REQUIRE(store.prepare(std::string("a: 1\n"), "seed"));
  REQUIRE(store.setCandidate("b: 1\n"));
  for (auto p : {tmp.path() / "config", tmp.path() / "config/history"})
    CHECK((std::filesystem::status(p).permissions() & std::filesystem::perms::all) ==
          std::filesystem::perms::owner_all);
  for (auto p : {tmp.path() / "config/active.yaml", tmp.path() / "config/candidate.yaml",
                 tmp.path() / "config/history/000001.yaml"})
    CHECK((std::filesystem::status(p).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
}
