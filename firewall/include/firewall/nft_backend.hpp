// Applies a compiled Ruleset to the kernel of one network namespace as a single nf_tables
// transaction (libnftnl + libmnl; never the nft binary), and reads the table back.
//
// Each apply is one batch: NEWTABLE, DELTABLE, NEWTABLE + contents, a full atomic replace of
// `inet rempart` that does not depend on the previous state. The batch carries the generation
// id read just before (NFNL_BATCH_GENID); if someone else commits in between, the kernel
// refuses it with ERESTART and we retry a bounded number of times. A GETGEN sent after the
// batch is the fence: every error the kernel queued for the batch arrives before its reply.
// Kernel errors are mapped by message seq to the config object ("levels[0].firewall.allow[3]").
// A failed apply changes nothing; we check that the generation did not move and say so.
//
// Threads: an NftBackend is used by one thread at a time; it may be moved between threads. It
// never changes any thread's namespace (the socket is created inside the target namespace).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "firewall/ruleset.hpp"

namespace rempart::firewall {

struct ApplyOptions {
  bool dry_run = false;  // validate against the running kernel: no BATCH_END, nothing changes
  int max_attempts = 5;  // tries on ERESTART (generation changed under us)
  // Test seam, called with the attempt number (1-based) after the generation was read and
  // before the batch is sent.
  std::function<void(int)> before_send;
};

struct ApplyReport {
  uint32_t generation = 0;  // after the commit (unchanged for a dry run)
  int attempts = 0;
  size_t messages = 0;  // netlink messages in the batch, BEGIN/END excluded
  size_t bytes = 0;
};

struct RuleReadback {
  std::string chain;
  uint64_t handle = 0;
  std::string comment;  // the config path for rules from the config
  bool has_counter = false;
  uint64_t packets = 0, bytes = 0;
};

class NftBackend {
 public:
  // Opens a netfilter netlink socket in the namespace at `netns_path` ("/run/netns/x");
  // an empty path means the caller's namespace.
  static Result<NftBackend> create(const std::string& netns_path = {});
  // Same with an open namespace fd (not kept).
  static Result<NftBackend> createInNetns(int netns_fd);

  NftBackend(NftBackend&&) noexcept;
  NftBackend& operator=(NftBackend&&) noexcept;
  ~NftBackend();

  // Replaces the table with `ruleset`. Errors: kKernel with the config path of the refused
  // object and the kernel's text; kConflict when retries ran out; kSystem for socket failures.
  // On every error the previous ruleset is still in force; the message says how it was checked.
  Result<ApplyReport> apply(const Ruleset& ruleset, const ApplyOptions& options = {});

  // Every rule of the table, in chain order, with counters; empty when there is no table.
  Result<std::vector<RuleReadback>> readRules();
  Result<bool> tableExists();
  Result<uint32_t> generation();

 private:
  struct Impl;
  explicit NftBackend(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rempart::firewall
