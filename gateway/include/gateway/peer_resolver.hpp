// Resolves tunnel peers named by a host name, in rempartd's own (core) namespace, where the
// uplink and /etc/resolv.conf are: charon's namespaces have no DNS path. Lookups run on Asio's
// resolver thread, never blocking the io_context. Each name is resolved again every
// `refresh`; while it has no address, sooner (`retry_min`, doubling up to `refresh`).
// `on_change` runs on the io_context when a name gets its first or a different address.
// Runs on rempartd's io_context thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "gateway/peer_addresses.hpp"

namespace rempart::gateway {

struct PeerResolverOptions {
  std::chrono::milliseconds refresh{std::chrono::minutes(5)};
  std::chrono::milliseconds retry_min{std::chrono::seconds(2)};
};

// The delay before the next lookup of a name: `refresh` once it has an address, else
// retry_min * 2^failures, at most `refresh`.
std::chrono::milliseconds nextLookupDelay(const PeerResolverOptions& options, bool resolved,
                                          unsigned failures);

class PeerResolver {
 public:
  PeerResolver(boost::asio::io_context& io, PeerResolverOptions options,
               std::function<void()> on_change);
  ~PeerResolver();
  PeerResolver(const PeerResolver&) = delete;
  PeerResolver& operator=(const PeerResolver&) = delete;

  // Resolves exactly `keys` from now on: new ones are looked up at once, others forgotten.
  void track(const std::set<PeerKey>& keys);
  const PeerAddresses& addresses() const { return addresses_; }

 private:
  struct Entry;
  void lookup(const PeerKey& key);
  void schedule(const PeerKey& key);

  boost::asio::io_context& io_;
  PeerResolverOptions options_;
  std::function<void()> on_change_;
  PeerAddresses addresses_;
  std::map<PeerKey, std::shared_ptr<Entry>> entries_;
};

}  // namespace rempart::gateway
