// One level's IPsec: its confined charon (CharonSupervisor), a VICI client to it, and the
// level's tunnels. Every time charon becomes ready (first start or restart after a crash) all
// secrets and connections are pushed again, since charon keeps VICI state in memory only.
// Tunnel state for `show tunnels` is refreshed from list-sas and updown events. A config change
// is applied by reconcile(), which touches only the tunnels that differ. The config is shared
// (std::shared_ptr) so that the daemon can replace its own without leaving us a dangling
// reference. Runs on rempartd's io_context thread only.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/config/model.hpp"
#include "common/result.hpp"
#include "gateway/charon/supervisor.hpp"
#include "gateway/connection_log.hpp"
#include "gateway/level_render.hpp"
#include "gateway/topology.hpp"
#include "gateway/vici/client.hpp"

namespace rempart::gateway {

// What `show tunnels` prints for one configured tunnel.
struct TunnelStatus {
  std::string level;
  std::string tunnel;
  std::string state = "down";  // down, connecting, up
  std::string why;             // why it is not up, when known
  std::string start_mode;      // always, on-demand, passive (with the fallback, if any)
  std::string remote_address;
  std::string remote_id;
  std::optional<uint64_t> established_seconds;
  uint64_t bytes_in = 0, bytes_out = 0, packets_in = 0, packets_out = 0;
  std::string spi_in, spi_out;
};

struct LevelTunnelsOptions {
  uid_t uid_base = charon::kDefaultUidBase;
  std::vector<std::filesystem::path> hidden_dirs;  // other levels' dirs and the keystore
  std::chrono::milliseconds refresh_interval{2000};
  ConnectionLog* connection_log = nullptr;  // where events are recorded; outlives us
};

class LevelTunnels {
 public:
  // `level` must be one of `config`'s levels (we keep `config` alive, hence the level).
  static Result<std::unique_ptr<LevelTunnels>> create(boost::asio::io_context& io,
                                                      std::shared_ptr<const config::Config> config,
                                                      const config::Level& level,
                                                      const LevelPlan& plan,
                                                      LevelTunnelsOptions options);
  ~LevelTunnels();

  void start();
  // Terminates every SA over VICI first (peers see an orderly delete), then stops charon.
  void stop(std::function<void()> done);

  // Makes charon hold `rendered` (renderLevel() of `level`, a level of `next` with the same
  // name and index): secrets loaded, removed tunnels terminated then unloaded, changed ones
  // terminated then reloaded, added ones loaded; charon initiates start-action tunnels on load.
  // Unchanged tunnels are not touched (same SAs, same SPIs). From now on `next` is the config
  // (also for re-pushing after a charon restart). `done` runs once, on the io_context, with the
  // first VICI failure (naming the tunnel and step); what was applied before it stays, and is
  // known, so that reconciling back to the previous config restores it. If charon is not
  // running or the VICI connection is down, nothing is sent: the next start or reconnection
  // pushes `next` in full and unloads the connections it does not name.
  void reconcile(std::shared_ptr<const config::Config> next, const config::Level& level,
                 RenderedLevel rendered, std::function<void(Result<void>)> done);

  std::vector<TunnelStatus> status() const;
  pid_t charonPid() const { return supervisor_ ? supervisor_->pid() : -1; }

  // Operator actions (`keys`, `tunnel` commands; level_tunnels_admin.cpp). Each `done` runs
  // exactly once, on the io_context; when charon is not running they fail with kSystem.
  // Pushes every secret, key and connection again (after a keystore change); fails with the
  // first problem, succeeds once charon accepted the connections.
  void reloadCredentials(std::function<void(Result<void>)> done);
  // `tunnel up`: clears the admin-down mark, loads the connection again and brings the tunnel
  // up; succeeds when its CHILD_SA is installed, kTimeout after `wait`.
  void bringUp(const std::string& tunnel, std::chrono::milliseconds wait,
               std::function<void(Result<void>)> done);
  // `tunnel down`: marks the tunnel admin-down (kept across charon restarts until bringUp),
  // unloads its connection so that no retry or start action brings it back, and terminates its
  // SAs. Yields the number of IKE_SAs terminated.
  void takeDown(const std::string& tunnel, std::chrono::milliseconds wait,
                std::function<void(Result<unsigned>)> done);
  // `tunnel reset`: terminates the tunnel's SAs and initiates it again; yields the new CHILD_SA.
  void reset(const std::string& tunnel, std::chrono::milliseconds wait,
             std::function<void(Result<vici::ChildSa>)> done);
  bool adminDown(const std::string& tunnel) const { return admin_down_.count(tunnel) > 0; }

 private:
  LevelTunnels(boost::asio::io_context& io, std::shared_ptr<const config::Config> config,
               const config::Level& level, const LevelPlan& plan, LevelTunnelsOptions options);
  TunnelStatus initialStatus(const config::Tunnel& t) const;
  void onReady();
  void pushEverything(std::function<void(Result<void>)> done = {});
  void notifyUpWaiters();
  // The SAs a `tunnel reset` replaces: IKE unique ids and CHILD inbound SPIs.
  struct OldSas {
    std::set<uint32_t> ike_ids;
    std::set<std::string> spis;
  };
  // Runs `then(true)` once none of `old` is left and no IKE_SA of `tunnel` is DELETING, or
  // `then(false)` at `deadline`.
  void awaitGone(const std::string& tunnel, std::shared_ptr<const OldSas> old,
                 std::chrono::steady_clock::time_point deadline, std::function<void(bool)> then);
  // Remembers when each CHILD_SA came up (child-updown events), so that `tunnel reset` accepts
  // only a CHILD_SA negotiated after it started.
  void noteChildUp(const vici::UpdownEvent& event);
  void waitUp(const std::string& tunnel, std::chrono::milliseconds wait,
              std::function<void(Result<void>)> done);
  void initiateLogged(const std::string& name);
  // After a lost VICI connection (a request timed out) while charon still runs: connect again
  // and push everything, since what charon did meanwhile is unknown.
  void reconnectLater();
  // Terminates and unloads every connection charon holds that the config does not name.
  void unloadStrays();
  void refresh();
  void armRefresh();
  void applySas(const std::vector<vici::IkeSa>& sas);
  void watchErrorNotify();
  void readErrorNotify();

  boost::asio::io_context& io_;
  std::shared_ptr<const config::Config> config_;
  const config::Level* level_;  // inside *config_
  LevelPlan plan_;
  LevelTunnelsOptions options_;
  std::unique_ptr<charon::CharonSupervisor> supervisor_;
  std::unique_ptr<vici::Client> vici_;
  boost::asio::steady_timer refresh_timer_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::posix::stream_descriptor error_notify_;
  std::array<char, 4096> error_notify_buf_{};
  std::map<std::string, TunnelStatus> tunnels_;
  RenderedLevel loaded_;         // what charon was last told to hold (our best knowledge)
  std::set<std::string> stale_;  // tunnels whose SAs we terminated without a new definition
  std::string charon_state_ = "starting";
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  struct UpWaiter;
  std::list<std::shared_ptr<UpWaiter>> up_waiters_;
  std::set<std::string> admin_down_;  // runtime only: `tunnel down` until `tunnel up`
  std::map<std::string, std::chrono::steady_clock::time_point> child_up_at_;  // spi_in -> when
};

}  // namespace rempart::gateway
