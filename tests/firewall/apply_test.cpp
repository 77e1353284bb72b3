// The backend against a real kernel, in namespaces the tests create: kernel equals render,
// dry runs, refused configs, concurrent writers, readback.
#include <catch2/catch.hpp>

#include "firewall/compiler.hpp"
#include "firewall/nft_backend.hpp"
#include "firewall/render.hpp"
#include "netns_fixture.hpp"
#include "test_util.hpp"

using namespace rempart;
using namespace rempart::firewall;
using namespace rempart::firewall::test;
using rempart::test::runShell;

namespace {

std::string listTable(const Netns& ns, const std::string& n, bool json = false) {
  std::string out;
  // Handles differ between two loads of the same text; everything else must not.
  std::string cmd = json ? ns.exec(n) +
                               "nft -j list table inet rempart | jq -S 'walk(if type == \"object\" "
                               "then del(.handle) else . end) | .nftables[1:]'"
                         : ns.exec(n) + "nft -s list table inet rempart";
  REQUIRE(runShell(cmd, &out) == 0);
  return out;
}

std::vector<std::pair<std::string, Ruleset>> exampleRulesets() {
  std::vector<std::pair<std::string, Ruleset>> out;
  for (const std::string example : {"minimal", "two-levels"}) {
    config::Config cfg = loadExample(example + ".yaml");
    Topology topo = defaultTopology(cfg);
    out.emplace_back(example + " core", *compileCore(cfg, topo));
    for (size_t i = 0; i < cfg.levels.size(); ++i) {
      out.emplace_back(example + " " + cfg.levels[i].name, *compileLevel(cfg, topo, i));
    }
    // The other dataplane too: policy-match rules must be accepted by the kernel.
    topo.dataplane = topo.dataplane == config::Dataplane::kKernel ? config::Dataplane::kLibipsec
                                                                  : config::Dataplane::kKernel;
    out.emplace_back(example + " level 0, other dataplane", *compileLevel(cfg, topo, 0));
  }
  config::Config cfg = loadExample("two-levels.yaml");
  out.emplace_back("closed core", closedRuleset(cfg.management, "mgmt0"));
  return out;
}

Ruleset minimalLevel() {
  config::Config cfg = loadExample("minimal.yaml");
  return *compileLevel(cfg, defaultTopology(cfg), 0);
}

}  // namespace

TEST_CASE("kernel equals render after an apply, for every example namespace", "[netns][kernel]") {
  Netns ns("fwk", {"ours", "nft"});
  auto backend = NftBackend::create(ns.path("ours"));
  REQUIRE(backend);
  for (const auto& [what, rs] : exampleRulesets()) {
    INFO(what);
    auto report = backend->apply(rs);
    REQUIRE(report);
    std::string text = renderNft(rs);
    CHECK(listTable(ns, "ours") == text);
    // And the JSON view equals what nft itself makes of the same text.
    must("printf '%s' " + std::string("'") + renderNft(rs, {true}) + "' | " + ns.exec("nft") +
         "nft -f -");
    CHECK(listTable(ns, "ours", true) == listTable(ns, "nft", true));
  }
}

TEST_CASE("a large group goes in several element messages and reads back whole", "[netns]") {
  Netns ns("fwg", {"fw"});
  Ruleset rs = minimalLevel();
  AddrSet big{"g_big_v4", Family::kV4, {}, "levels[0].firewall.address_groups[0]"};
  for (uint32_t i = 0; i < 20000; ++i)
    big.prefixes.push_back(IpPrefix::host(IpAddress::v4(0x0a000000u + 2 * i)));
  rs.sets.push_back(big);
  auto backend = NftBackend::create(ns.path("fw"));
  REQUIRE(backend);
  auto report = backend->apply(rs);
  REQUIRE(report);
  CHECK(report->messages > 20);
  std::string count;
  REQUIRE(
      runShell(ns.exec("fw") +
                   "nft -j list set inet rempart g_big_v4 | jq '.nftables[1].set.elem | length'",
               &count) == 0);
  CHECK(count == "20000\n");
}

TEST_CASE("dry run validates against the kernel and changes nothing", "[netns]") {
  Netns ns("fwd", {"fw"});
  auto backend = NftBackend::create(ns.path("fw"));
  REQUIRE(backend);
  Ruleset closed = closedRuleset(std::nullopt, "");
  REQUIRE(backend->apply(closed));
  uint32_t gen = *backend->generation();
  ApplyOptions dry_run;
  dry_run.dry_run = true;
  auto dry = backend->apply(minimalLevel(), dry_run);
  REQUIRE(dry);
  CHECK(*backend->generation() == gen);
  CHECK(listTable(ns, "fw") == renderNft(closed));
}

TEST_CASE("a rule the kernel refuses names its config path and the previous ruleset stays",
          "[netns]") {
  Netns ns("fwr", {"fw"});
  auto backend = NftBackend::create(ns.path("fw"));
  REQUIRE(backend);
  Ruleset good = minimalLevel();
  REQUIRE(backend->apply(good));
  uint32_t gen = *backend->generation();

  // Refused when the rule is added: a lookup in a set that does not exist (ENOENT).
  Ruleset missing_set = good;
  missing_set.chains[3].rules.push_back(Rule{{AddrMatch{Family::kV4, true, "g_missing_v4", {}}},
                                             Verdict{Verdict::kAccept, {}},
                                             "levels[0].firewall.allow[7]"});
  // Refused at commit-time validation: `ipsec out` cannot work on the input hook (EOPNOTSUPP).
  Ruleset wrong_hook = good;
  wrong_hook.chains[0].rules.insert(wrong_hook.chains[0].rules.begin() + 3,
                                    Rule{{IpsecMatch{IpsecMatch::kReqidOut, 1}},
                                         Verdict{Verdict::kAccept, {}},
                                         "levels[0].firewall.allow[3]"});
  struct Case {
    const Ruleset* rs;
    bool dry;
    int errnum;
    const char* path;
  };
  // A dry run on a namespace whose nf_tables never failed a validation skips the hook check
  // (kernel behaviour, `nft -c` has the same gap), so wrong_hook is committed for real first.
  for (Case c : {Case{&missing_set, true, ENOENT, "levels[0].firewall.allow[7]"},
                 Case{&missing_set, false, ENOENT, "levels[0].firewall.allow[7]"},
                 Case{&wrong_hook, false, EOPNOTSUPP, "levels[0].firewall.allow[3]"}}) {
    ApplyOptions opts;
    opts.dry_run = c.dry;
    auto result = backend->apply(*c.rs, opts);
    REQUIRE_FALSE(result);
    INFO(result.error().message());
    CHECK(result.error().code == ErrorCode::kKernel);
    CHECK(result.error().errnum == c.errnum);
    CHECK(result.error().message().find(c.path) != std::string::npos);
    CHECK(result.error().message().find("previous ruleset still in force") != std::string::npos);
    CHECK(listTable(ns, "fw") == renderNft(good));
    CHECK(*backend->generation() == gen);
  }
}

TEST_CASE("a concurrent nft commit is detected and our commit retried", "[netns]") {
  Netns ns("fwc", {"fw"});
  auto backend = NftBackend::create(ns.path("fw"));
  REQUIRE(backend);
  Ruleset rs = minimalLevel();
  ApplyOptions opts;
  opts.before_send = [&](int attempt) {
    if (attempt == 1) must(ns.exec("fw") + "nft add table inet intruder");
  };
  auto report = backend->apply(rs, opts);
  REQUIRE(report);
  CHECK(report->attempts == 2);
  CHECK(listTable(ns, "fw") == renderNft(rs));
  CHECK(runShell(ns.exec("fw") + "nft list table inet intruder") == 0);  // not ours: untouched

  opts.max_attempts = 2;
  opts.before_send = [&](int attempt) {
    must(ns.exec("fw") + "nft add table inet intruder" + std::to_string(attempt));
  };
  auto exhausted = backend->apply(closedRuleset(std::nullopt, ""), opts);
  REQUIRE_FALSE(exhausted);
  CHECK(exhausted.error().code == ErrorCode::kConflict);
  CHECK(listTable(ns, "fw") == renderNft(rs));
}

TEST_CASE("readback lists rules with config paths and live counters", "[netns]") {
  Netns ns("fwb", {"fw", "peer"});
  ns.link("fw", "mgmt0", "10.255.0.1/24", "peer", "eth0", "10.255.0.2/24");
  auto backend = NftBackend::create(ns.path("fw"));
  REQUIRE(backend);
  REQUIRE(backend->tableExists());
  CHECK_FALSE(*backend->tableExists());
  config::Config cfg = loadExample("minimal.yaml");
  REQUIRE(backend->apply(closedRuleset(cfg.management, "mgmt0")));
  CHECK(*backend->tableExists());
  CHECK_FALSE(pingPasses(ns, "peer", "10.255.0.1"));  // ping is not SSH: dropped and counted
  auto rules = backend->readRules();
  REQUIRE(rules);
  bool ssh_rule = false;
  uint64_t dropped = 0;
  for (const RuleReadback& r : *rules) {
    if (r.comment == "management.allowed_sources") ssh_rule = true;
    if (r.chain == "input" && r.has_counter) dropped += r.packets;
  }
  CHECK(ssh_rule);
  CHECK(dropped >= 1);
}

TEST_CASE("re-applying the same ruleset sends nothing unless someone else committed", "[netns]") {
  Netns ns("fwn", {"fw"});
  auto backend = NftBackend::create(ns.path("fw"));
  REQUIRE(backend);
  Ruleset rs = minimalLevel();
  auto first = backend->apply(rs);
  REQUIRE(first);
  CHECK_FALSE(first->unchanged);
  auto again = backend->apply(rs);
  REQUIRE(again);
  CHECK(again->unchanged);
  CHECK(again->attempts == 0);
  CHECK(again->generation == first->generation);
  // Someone edits our table behind our back: the generation moves, the next apply repairs it.
  must(ns.exec("fw") + "nft flush chain inet rempart forward");
  auto repaired = backend->apply(rs);
  REQUIRE(repaired);
  CHECK_FALSE(repaired->unchanged);
  CHECK(listTable(ns, "fw") == renderNft(rs));
}
