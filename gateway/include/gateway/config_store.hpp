// The config store in <state>/config/: the active config, the candidate, a numbered history and
// a pending commit-confirm record, as YAML text. Every file is replaced atomically
// (common/atomic_file.hpp), and a commit takes effect by ONE rename of active.yaml, so a crash
// at any moment leaves either the old or the new active config, never a mix.
//
//   active.yaml            what rempartd runs (and loads at start)
//   candidate.yaml         the next config, loaded by `config load` (absent: none)
//   history/NNNNNN.yaml    every config that became active, numbered from 1 (last kMaxHistory)
//   history/NNNNNN.meta    who, when, comment ("key=value" lines; absent: unknown)
//   confirm.pending        a commit waiting for `config confirm`: the config to go back to
//
// Crash rules, applied by prepare() at rempartd start:
//   - a pending confirm means the commit was never confirmed: active.yaml goes back to the
//     recorded previous config (as Junos does after a reboot), and the record is removed;
//   - if the newest history entry is not the active text (a crash between the commit point and
//     the history append), the active text is appended;
//   - temporary files left by an interrupted atomic write are removed.
// Not thread-safe: rempartd's io_context thread only. Library code: returns errors, never logs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace rempart::gateway {

struct HistoryEntry {
  unsigned number = 0;
  std::string who;      // user name, or "rempartd" for automatic changes
  std::string when;     // UTC, "2026-12-04T19:05:00Z"
  std::string comment;  // may be empty
};

// A commit armed with --confirm. `previous` is the config text to return to.
struct PendingConfirm {
  std::string previous;
  std::string armed_by;
  double minutes = 0;
  int64_t deadline_unix = 0;  // wall clock, for people; the timer itself is monotonic
};

struct StartupReport {
  bool seeded = false;                        // the store was empty and got the seed
  std::optional<PendingConfirm> rolled_back;  // a confirm was pending: active went back
  bool history_repaired = false;              // the active text was missing from history
};

class ConfigStore {
 public:
  static constexpr size_t kMaxHistory = 50;
  static constexpr size_t kMaxCommentBytes = 200;

  // Opens (creating, mode 0700) `dir` and its history/ folder, and removes temporary files
  // left by interrupted writes. Fails when the folders cannot be created or read.
  static Result<ConfigStore> open(std::filesystem::path dir);

  // Run once at rempartd start, before active() is used. When the store has no active config,
  // `seed` (already validated by the caller) becomes active and history 1 with `seed_comment`;
  // without a seed that is an error. Then the crash rules above are applied.
  [[nodiscard]] Result<StartupReport> prepare(const std::optional<std::string>& seed,
                                              std::string_view seed_comment);

  bool hasActive() const;
  [[nodiscard]] Result<std::string> active() const;
  // The commit point: active.yaml replaced by one atomic rename.
  [[nodiscard]] Result<void> setActive(std::string_view text);
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path activePath() const { return dir_ / "active.yaml"; }

  // nullopt when there is no candidate.
  [[nodiscard]] Result<std::optional<std::string>> candidate() const;
  [[nodiscard]] Result<void> setCandidate(std::string_view text);
  [[nodiscard]] Result<void> clearCandidate();

  // Appends `text` as the next history entry and returns its number; entries beyond
  // kMaxHistory are removed, oldest first. `who` and `comment` are stored on one line each
  // (control characters replaced, comment cut at kMaxCommentBytes).
  [[nodiscard]] Result<unsigned> appendHistory(std::string_view text, std::string_view who,
                                               std::string_view comment);
  // Newest first.
  [[nodiscard]] Result<std::vector<HistoryEntry>> history() const;
  // kNotFound when there is no entry `number`.
  [[nodiscard]] Result<std::string> historyText(unsigned number) const;

  [[nodiscard]] Result<void> setPending(const PendingConfirm& pending);
  [[nodiscard]] Result<std::optional<PendingConfirm>> pending() const;
  [[nodiscard]] Result<void> clearPending();

  // The record format of confirm.pending, exposed for tests.
  static std::string encodePending(const PendingConfirm& p);
  static Result<PendingConfirm> decodePending(std::string_view text);

 private:
  explicit ConfigStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path historyDir() const { return dir_ / "history"; }
  [[nodiscard]] Result<std::vector<unsigned>> historyNumbers() const;  // ascending

  std::filesystem::path dir_;
};

}  // namespace rempart::gateway
