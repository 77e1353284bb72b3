#include "gateway/peer_resolver.hpp"

#include <algorithm>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/log.hpp"

namespace rempart::gateway {

namespace {

std::optional<IpAddress> toIpAddress(const boost::asio::ip::address& a) {
  return IpAddress::parse(a.to_string());
}

const char* familyName(Family f) {
  return f == Family::kV4 ? "IPv4" : "IPv6";
}

}  // namespace

std::chrono::milliseconds nextLookupDelay(const PeerResolverOptions& options, bool resolved,
                                          unsigned failures) {
  if (resolved) return options.refresh;
  auto delay = options.retry_min;
  for (unsigned i = 0; i < failures && delay < options.refresh; ++i) delay *= 2;
  return std::min(delay, options.refresh);
}

struct PeerResolver::Entry {
  explicit Entry(boost::asio::io_context& io) : resolver(io), timer(io) {}
  boost::asio::ip::udp::resolver resolver;
  boost::asio::steady_timer timer;
  unsigned failures = 0;
  bool alive = true;
};

PeerResolver::PeerResolver(boost::asio::io_context& io, PeerResolverOptions options,
                           std::function<void()> on_change)
    : io_(io), options_(options), on_change_(std::move(on_change)) {}

PeerResolver::~PeerResolver() {
  for (auto& [key, e] : entries_) {
    e->alive = false;
    e->timer.cancel();
    e->resolver.cancel();
  }
}

void PeerResolver::track(const std::set<PeerKey>& keys) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (keys.contains(it->first)) {
      ++it;
      continue;
    }
    it->second->alive = false;
    it->second->timer.cancel();
    it->second->resolver.cancel();
    addresses_.erase(it->first);
    it = entries_.erase(it);
  }
  for (const auto& key : keys) {
    if (entries_.contains(key)) continue;
    entries_[key] = std::make_shared<Entry>(io_);
    addresses_[key] = PeerResolution{};
    lookup(key);
  }
}

void PeerResolver::lookup(const PeerKey& key) {
  auto entry = entries_.at(key);
  auto protocol =
      key.family == Family::kV4 ? boost::asio::ip::udp::v4() : boost::asio::ip::udp::v6();
  entry->resolver.async_resolve(
      protocol, key.host, "", boost::asio::ip::resolver_base::flags{},
      [this, key, entry](const boost::system::error_code& ec,
                         boost::asio::ip::udp::resolver::results_type results) {
        if (!entry->alive) return;
        std::optional<IpAddress> address;
        std::string error;
        if (ec) {
          error = ec.message();
        } else {
          std::vector<IpAddress> candidates;
          for (const auto& r : results)
            if (auto a = toIpAddress(r.endpoint().address())) candidates.push_back(*a);
          address = pickAddress(candidates, key.family);
          if (!address) error = std::string("no ") + familyName(key.family) + " address";
        }
        auto& slot = addresses_[key];
        std::optional<IpAddress> before = slot.address;
        bool changed = recordResolution(slot, address, error);
        entry->failures = address ? 0 : entry->failures + 1;
        if (!address)
          log::warning("cannot resolve a tunnel peer", {{"host", key.host}, {"error", error}});
        else if (changed)
          log::notice("tunnel peer resolved", {{"host", key.host},
                                               {"address", address->str()},
                                               {"before", before ? before->str() : "none"}});
        schedule(key);
        if (changed && on_change_) on_change_();
      });
}

void PeerResolver::schedule(const PeerKey& key) {
  auto entry = entries_.at(key);
  bool resolved = addresses_.at(key).address.has_value() && entry->failures == 0;
  entry->timer.expires_after(nextLookupDelay(options_, resolved, entry->failures));
  entry->timer.async_wait([this, key, entry](const boost::system::error_code& ec) {
    if (ec || !entry->alive) return;
    lookup(key);
  });
}

}  // namespace rempart::gateway
