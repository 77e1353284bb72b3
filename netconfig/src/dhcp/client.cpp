// The client state machine. Every transition is driven by onPacket/onTimer; nothing here
// blocks, sleeps or reads a clock other than the injected one.
#include "netconfig/dhcp/client.hpp"

#include <algorithm>

namespace rempart::netconfig::dhcp {
namespace {

constexpr Millis kMaxRetransmit{64000};
constexpr Millis kMinRenewRetransmit{60000};  // RFC 2131 4.4.5
constexpr uint16_t kOurMaxMessageSize = 1500;

Event rejected(std::string why) {
  return {Event::Kind::kRejected, std::nullopt, std::move(why)};
}
Event error(std::string why) {
  return {Event::Kind::kError, std::nullopt, std::move(why)};
}

}  // namespace

std::string_view toString(State s) {
  switch (s) {
    case State::kInit:
      return "INIT";
    case State::kSelecting:
      return "SELECTING";
    case State::kRequesting:
      return "REQUESTING";
    case State::kBound:
      return "BOUND";
    case State::kRenewing:
      return "RENEWING";
    case State::kRebinding:
      return "REBINDING";
    case State::kInitReboot:
      return "INIT-REBOOT";
    case State::kRebooting:
      return "REBOOTING";
  }
  return "?";
}

Client::Client(ClientConfig config, Transport& transport, const Clock& clock, LeaseStore& store,
               Random& random)
    : config_(config), transport_(transport), clock_(clock), store_(store), random_(random) {}

std::vector<Event> Client::start() {
  std::vector<Event> out;
  if (auto r = transport_.listen(Transport::Listen::kRaw); !r)
    out.push_back(error("listening on the raw socket: " + r.error().message()));
  auto stored = store_.load();
  if (!stored) {
    out.push_back(rejected("lease file ignored: " + stored.error().message()));
  } else if (*stored) {
    auto left = remainingSeconds(**stored, clock_.realtimeSeconds());
    if (!left || *left > 0) {
      rebooting_ = **stored;
      state_ = State::kInitReboot;
      xid_ = random_.next();
      attempt_ = 0;
      attempt_start_ = clock_.boottime();
      state_ = State::kRebooting;
      sendRequest(out);
      armRetransmit();
      return out;
    }
  }
  enterInit(Millis{0}, out);
  return out;
}

Message Client::baseMessage(MessageType type) const {
  Message m;
  m.op = kBootRequest;
  m.xid = xid_;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(clock_.boottime() - attempt_start_);
  m.secs = static_cast<uint16_t>(std::clamp<int64_t>(secs.count(), 0, 0xffff));
  std::copy(config_.mac.begin(), config_.mac.end(), m.chaddr.begin());
  Options& o = m.options;
  o.message_type = type;
  o.client_id.push_back(1);  // htype Ethernet, then the MAC (RFC 2132 9.14)
  o.client_id.insert(o.client_id.end(), config_.mac.begin(), config_.mac.end());
  o.max_message_size = kOurMaxMessageSize;
  o.parameter_list = {opt::kSubnetMask,  opt::kRouter,       opt::kDnsServer, opt::kHostName,
                      opt::kDomainName,  opt::kInterfaceMtu, opt::kLeaseTime, opt::kServerId,
                      opt::kRenewalTime, opt::kRebindingTime};
  if (config_.request_routes) {
    o.parameter_list.push_back(opt::kStaticRoute);
    o.parameter_list.push_back(opt::kClasslessRoute);
  }
  return m;
}

void Client::send(const Message& m, std::vector<Event>& out) {
  auto bytes = serializeMessage(m);
  if (!bytes) {
    out.push_back(error("building " + std::string(toString(*m.options.message_type)) + ": " +
                        bytes.error().message()));
    return;
  }
  Result<void> r;
  if (state_ == State::kRenewing && lease_) {
    r = transport_.sendUnicast(*bytes, lease_->server_id);
  } else {
    r = transport_.sendBroadcast(*bytes, m.ciaddr);
  }
  if (!r)
    out.push_back(error("sending " + std::string(toString(*m.options.message_type)) + ": " +
                        r.error().message()));
}

void Client::sendDiscover(std::vector<Event>& out) {
  Message m = baseMessage(MessageType::kDiscover);
  m.options.rapid_commit = config_.rapid_commit;
  send(m, out);
}

void Client::sendRequest(std::vector<Event>& out) {
  Message m = baseMessage(MessageType::kRequest);
  switch (state_) {
    case State::kRequesting:
      m.options.requested_ip = offered_;
      m.options.server_id = selected_server_;
      break;
    case State::kRebooting:
      m.options.requested_ip = rebooting_->address.address;
      break;
    case State::kRenewing:
    case State::kRebinding:
      m.ciaddr = lease_->address.address;
      break;
    default:
      return;
  }
  send(m, out);
}

Millis Client::jitter(Millis base) {
  auto j = Millis{int64_t(random_.next() % 2001) - 1000};
  return std::max(Millis{0}, base + j);
}

void Client::armRetransmit() {
  Millis now = clock_.boottime();
  ++attempt_;
  Millis base;
  if (state_ == State::kRenewing) {
    base = std::max(kMinRenewRetransmit, (t2_at_ - now) / 2);
  } else if (state_ == State::kRebinding) {
    base = std::max(kMinRenewRetransmit, (expiry_at_ - now) / 2);
  } else {
    base = std::min(kMaxRetransmit, config_.first_retransmit * (1 << std::min(attempt_ - 1, 4u)));
  }
  retransmit_at_ = now + jitter(base);
}

void Client::enterInit(Millis delay, std::vector<Event>& out) {
  state_ = State::kInit;
  offered_.reset();
  selected_server_.reset();
  rebooting_.reset();
  retransmit_at_.reset();
  init_at_.reset();
  if (delay > Millis{0}) {
    init_at_ = clock_.boottime() + delay;
    return;
  }
  xid_ = random_.next();
  attempt_ = 0;
  attempt_start_ = clock_.boottime();
  state_ = State::kSelecting;
  sendDiscover(out);
  armRetransmit();
}

void Client::bind(const Message& ack, std::vector<Event>& out) {
  auto lease = leaseFromAck(ack, clock_.realtimeSeconds());
  if (!lease) {
    out.push_back(rejected("unusable ACK: " + lease.error().message()));
    return;
  }
  bool renewed = lease_ && lease_->address == lease->address;
  if (auto r = store_.save(*lease); !r) out.push_back(error(r.error().message()));
  Millis now = clock_.boottime();
  if (!lease->infinite()) {
    expiry_at_ = now + std::chrono::seconds(lease->lease_seconds);
    t2_at_ = std::clamp(now + jitter(std::chrono::seconds(lease->t2_seconds)), now,
                        expiry_at_ - Millis{1});
    t1_at_ =
        std::clamp(now + jitter(std::chrono::seconds(lease->t1_seconds)), now, t2_at_ - Millis{1});
  }
  lease_ = *lease;
  state_ = State::kBound;
  naks_ = 0;
  retransmit_at_.reset();
  offered_.reset();
  rebooting_.reset();
  if (auto r = transport_.listen(Transport::Listen::kUdp); !r)
    out.push_back(error("listening on the UDP socket: " + r.error().message()));
  out.push_back({renewed ? Event::Kind::kRenewed : Event::Kind::kBound, *lease, {}});
}

void Client::loseLease(std::string why, std::vector<Event>& out) {
  if (auto r = store_.clear(); !r) out.push_back(error(r.error().message()));
  if (auto r = transport_.listen(Transport::Listen::kRaw); !r)
    out.push_back(error("listening on the raw socket: " + r.error().message()));
  if (lease_) out.push_back({Event::Kind::kLost, std::move(*lease_), std::move(why)});
  lease_.reset();
}

void Client::onNak(const Message& nak, std::vector<Event>& out) {
  std::string from = nak.options.server_id ? nak.options.server_id->str() : "?";
  loseLease("NAK from " + from, out);
  Millis delay = std::min(config_.nak_backoff_max,
                          config_.nak_backoff_min * (int64_t{1} << std::min(naks_, 20u)));
  ++naks_;
  enterInit(delay, out);
}

std::optional<std::string> Client::checkReply(const Message& m) const {
  if (m.op != kBootReply) return "not a BOOTREPLY (op " + std::to_string(m.op) + ")";
  if (m.htype != 1 || m.hlen != 6) return "not an Ethernet reply (htype/hlen)";
  if (!std::equal(config_.mac.begin(), config_.mac.end(), m.chaddr.begin()))
    return "chaddr is not our MAC";
  if (m.xid != xid_) return "transaction id does not match";
  if (!m.options.message_type) return "no message type";
  return std::nullopt;
}

std::vector<Event> Client::onPacket(std::span<const uint8_t> payload) {
  std::vector<Event> out;
  auto parsed = parseMessage(payload);
  if (!parsed) {
    out.push_back(rejected("malformed DHCP packet: " + parsed.error().message()));
    return out;
  }
  const Message& m = *parsed;
  if (m.options.message_type == MessageType::kForceRenew) {
    out.push_back(rejected("FORCERENEW ignored (unauthenticated, CVE-2020-13529)"));
    return out;
  }
  if (auto why = checkReply(m)) {
    out.push_back(rejected(*why));
    return out;
  }
  MessageType type = *m.options.message_type;
  std::string what = std::string(toString(type)) + " in " + std::string(toString(state_));
  const auto& sid = m.options.server_id;
  auto fromSelected = [&](const IpAddress& server) { return sid && *sid == server; };
  switch (state_) {
    case State::kSelecting:
      if (type == MessageType::kOffer) {
        auto lease = leaseFromAck(m, clock_.realtimeSeconds());
        if (!lease) {
          out.push_back(rejected("unusable OFFER: " + lease.error().message()));
          return out;
        }
        offered_ = m.yiaddr;
        selected_server_ = *sid;
        state_ = State::kRequesting;
        attempt_ = 0;
        sendRequest(out);
        armRetransmit();
        return out;
      }
      if (type == MessageType::kAck && m.options.rapid_commit && config_.rapid_commit) {
        bind(m, out);
        return out;
      }
      break;
    case State::kRequesting:
      if (!fromSelected(*selected_server_)) {
        out.push_back(rejected(what + " from a server we did not select"));
        return out;
      }
      if (type == MessageType::kAck && m.yiaddr == *offered_) return bind(m, out), out;
      if (type == MessageType::kNak) return onNak(m, out), out;
      break;
    case State::kRebooting:
      if (type == MessageType::kAck && m.yiaddr == rebooting_->address.address)
        return bind(m, out), out;
      if (type == MessageType::kNak) return onNak(m, out), out;  // also clears the store
      break;
    case State::kRenewing:
    case State::kRebinding:
      // RENEWING talks to the leasing server only; REBINDING accepts any server's answer.
      if (state_ == State::kRenewing && !fromSelected(lease_->server_id)) {
        out.push_back(rejected(what + " from a server that did not grant our lease"));
        return out;
      }
      if (type == MessageType::kAck && m.yiaddr == lease_->address.address)
        return bind(m, out), out;
      if (type == MessageType::kNak) return onNak(m, out), out;
      break;
    case State::kInit:
    case State::kBound:
    case State::kInitReboot:
      break;
  }
  out.push_back(rejected(what + " ignored"));
  return out;
}

std::vector<Event> Client::onTimer() {
  std::vector<Event> out;
  Millis now = clock_.boottime();
  auto due = [&](const std::optional<Millis>& at) { return at && now >= *at; };
  switch (state_) {
    case State::kInit:
      if (due(init_at_)) enterInit(Millis{0}, out);
      break;
    case State::kSelecting:
      if (due(retransmit_at_)) {
        sendDiscover(out);
        armRetransmit();
      }
      break;
    case State::kRequesting:
    case State::kRebooting:
      if (!due(retransmit_at_)) break;
      if (attempt_ >=
          (state_ == State::kRequesting ? config_.request_attempts : config_.reboot_attempts)) {
        enterInit(Millis{0}, out);
      } else {
        sendRequest(out);
        armRetransmit();
      }
      break;
    case State::kBound:
    case State::kRenewing:
    case State::kRebinding:
      if (lease_->infinite()) break;
      if (now >= expiry_at_) {
        loseLease("lease expired", out);
        enterInit(Millis{0}, out);
      } else if (state_ != State::kRebinding && now >= t2_at_) {
        state_ = State::kRebinding;
        xid_ = random_.next();
        attempt_ = 0;
        attempt_start_ = now;
        if (auto r = transport_.listen(Transport::Listen::kRaw); !r)
          out.push_back(error("listening on the raw socket: " + r.error().message()));
        sendRequest(out);
        armRetransmit();
      } else if (state_ == State::kBound && now >= t1_at_) {
        state_ = State::kRenewing;
        xid_ = random_.next();
        attempt_ = 0;
        attempt_start_ = now;
        sendRequest(out);
        armRetransmit();
      } else if (state_ != State::kBound && due(retransmit_at_)) {
        sendRequest(out);
        armRetransmit();
      }
      break;
    case State::kInitReboot:
      break;
  }
  return out;
}

std::optional<Millis> Client::deadline() const {
  switch (state_) {
    case State::kInit:
      return init_at_;
    case State::kSelecting:
    case State::kRequesting:
    case State::kRebooting:
      return retransmit_at_;
    case State::kBound:
      if (lease_->infinite()) return std::nullopt;
      return t1_at_;
    case State::kRenewing:
      return std::min({retransmit_at_.value_or(t2_at_), t2_at_, expiry_at_});
    case State::kRebinding:
      return std::min(retransmit_at_.value_or(expiry_at_), expiry_at_);
    case State::kInitReboot:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace rempart::netconfig::dhcp
