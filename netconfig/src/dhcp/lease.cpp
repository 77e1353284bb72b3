// Lease validation, the lease file codec and the file-backed store.
#include "netconfig/dhcp/lease.hpp"

#include <charconv>
#include <map>
#include <set>
#include <system_error>

#include "common/atomic_file.hpp"

namespace rempart::netconfig::dhcp {
namespace {

bool usableUnicast(const IpAddress& a) {
  if (a.family != Family::kV4) return false;
  uint32_t v = a.v4HostOrder();
  return v != 0 && v != 0xffffffff && (v >> 24) != 127 && (v >> 28) != 0xe && (v >> 28) != 0xf;
}

unsigned prefixOfMask(const IpAddress& mask) {
  return static_cast<unsigned>(__builtin_popcount(mask.v4HostOrder()));
}

void clampTimers(Lease& l, std::optional<uint32_t> t1, std::optional<uint32_t> t2) {
  if (l.infinite()) {
    l.t1_seconds = l.t2_seconds = kInfiniteLease;
    return;
  }
  uint32_t lease = l.lease_seconds;
  l.t2_seconds = (t2 && *t2 > 0 && *t2 < lease) ? *t2 : uint32_t(uint64_t{lease} * 7 / 8);
  l.t1_seconds = (t1 && *t1 > 0 && *t1 < l.t2_seconds) ? *t1 : lease / 2;
  if (l.t1_seconds >= l.t2_seconds) {  // the server's T2 is below lease/2: ignore both
    l.t1_seconds = lease / 2;
    l.t2_seconds = uint32_t(uint64_t{lease} * 7 / 8);
  }
}

unexpected<Error> badLine(size_t line, std::string what) {
  return fail(ErrorCode::kInvalidInput, "line " + std::to_string(line) + ": " + std::move(what));
}

template <typename T>
std::optional<T> number(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s[0] == '-' || s[0] == '+')
    return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;  // one spelling per value
  return v;
}

std::optional<StaticRoute> route(std::string_view s) {
  auto comma = s.find(',');
  if (comma == s.npos) return std::nullopt;
  auto prefix = IpPrefix::parse(s.substr(0, comma));
  auto gw = IpAddress::parse(s.substr(comma + 1));
  if (!prefix || !gw || prefix->family() != Family::kV4 || gw->family != Family::kV4 ||
      prefix->hasHostBits())
    return std::nullopt;
  return StaticRoute{*prefix, *gw};
}

}  // namespace

Result<Lease> leaseFromAck(const Message& ack, int64_t now_unix) {
  const Options& o = ack.options;
  if (!usableUnicast(ack.yiaddr))
    return fail(ErrorCode::kProtocol, "lease address " + ack.yiaddr.str() + " is not usable");
  if (!o.server_id) return fail(ErrorCode::kProtocol, "lease lacks a server identifier");
  if (!o.lease_time) return fail(ErrorCode::kProtocol, "lease lacks a lease time");
  if (!o.subnet_mask) return fail(ErrorCode::kProtocol, "lease lacks a valid subnet mask");
  if (*o.lease_time < kMinLeaseSeconds)
    return fail(ErrorCode::kProtocol, "lease time " + std::to_string(*o.lease_time) +
                                          " s is under the minimum of " +
                                          std::to_string(kMinLeaseSeconds) + " s");
  Lease l;
  l.address = IpPrefix{ack.yiaddr, prefixOfMask(*o.subnet_mask)};
  l.server_id = *o.server_id;
  l.routers = o.routers;
  l.dns_servers = o.dns_servers;
  l.static_routes = o.static_routes;
  l.classless_routes = o.classless_routes;
  l.mtu = o.mtu;
  l.host_name = o.host_name;
  l.domain_name = o.domain_name;
  l.lease_seconds = *o.lease_time;
  l.acquired_unix = now_unix;
  clampTimers(l, o.renewal_time, o.rebinding_time);
  return l;
}

std::optional<uint32_t> remainingSeconds(const Lease& lease, int64_t now_unix) {
  if (lease.infinite()) return std::nullopt;
  int64_t left = lease.acquired_unix + int64_t{lease.lease_seconds} - now_unix;
  if (left <= 0) return 0;
  // A clock stepped backwards must not extend the lease.
  return static_cast<uint32_t>(std::min<int64_t>(left, lease.lease_seconds));
}

std::string formatLeaseFile(const Lease& l, std::string_view interface) {
  std::string s = "version=1\n";
  auto line = [&](std::string_view k, const std::string& v) {
    s.append(k).append("=").append(v).append("\n");
  };
  line("interface", std::string(interface));
  line("address", l.address.str());
  line("server", l.server_id.str());
  line("lease", std::to_string(l.lease_seconds));
  line("t1", std::to_string(l.t1_seconds));
  line("t2", std::to_string(l.t2_seconds));
  line("acquired", std::to_string(l.acquired_unix));
  for (const auto& r : l.routers) line("router", r.str());
  for (const auto& d : l.dns_servers) line("dns", d.str());
  for (const auto& r : l.static_routes)
    line("static-route", r.destination.str() + "," + r.gateway.str());
  for (const auto& r : l.classless_routes)
    line("classless-route", r.destination.str() + "," + r.gateway.str());
  if (l.mtu) line("mtu", std::to_string(*l.mtu));
  if (l.host_name) line("hostname", *l.host_name);
  if (l.domain_name) line("domain", *l.domain_name);
  return s;
}

Result<Lease> parseLeaseFile(std::string_view text, std::string_view interface) {
  if (text.size() > kMaxLeaseFileSize)
    return fail(ErrorCode::kInvalidInput, "lease file larger than 64 KiB");
  static const std::set<std::string_view> kSingle = {"version", "interface", "address", "server",
                                                     "lease",   "t1",        "t2",      "acquired",
                                                     "mtu",     "hostname",  "domain"};
  static const std::set<std::string_view> kMulti = {"router", "dns", "static-route",
                                                    "classless-route"};
  static const std::set<std::string_view> kRequired = {
      "version", "interface", "address", "server", "lease", "t1", "t2", "acquired"};
  Lease l;
  std::set<std::string_view> seen;
  size_t lineno = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == text.npos) return badLine(lineno + 1, "missing final newline");
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    auto eq = line.find('=');
    if (eq == line.npos) return badLine(lineno, "expected key=value");
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (lineno == 1 && key != "version") return badLine(lineno, "first line must be version=1");
    bool multi = kMulti.count(key) > 0;
    if (!multi && kSingle.count(key) == 0) return badLine(lineno, "unknown key");
    if (!multi && !seen.insert(key).second) return badLine(lineno, "duplicate key");
    seen.insert(key);
    auto invalid = [&] { return badLine(lineno, "invalid " + std::string(key)); };
    if (key == "version") {
      if (value != "1") return badLine(lineno, "unsupported version");
    } else if (key == "interface") {
      if (value != interface) return badLine(lineno, "lease belongs to another interface");
    } else if (key == "address") {
      auto p = IpPrefix::parse(value);
      if (!p || !usableUnicast(p->address) || p->length == 0) return invalid();
      l.address = *p;
    } else if (key == "server") {
      auto a = IpAddress::parse(value);
      if (!a || a->family != Family::kV4) return invalid();
      l.server_id = *a;
    } else if (key == "lease" || key == "t1" || key == "t2") {
      auto n = number<uint32_t>(value);
      if (!n) return invalid();
      (key == "lease" ? l.lease_seconds : key == "t1" ? l.t1_seconds : l.t2_seconds) = *n;
    } else if (key == "acquired") {
      auto n = number<int64_t>(value);
      if (!n) return invalid();
      l.acquired_unix = *n;
    } else if (key == "router" || key == "dns") {
      auto a = IpAddress::parse(value);
      if (!a || a->family != Family::kV4 || a->isUnspecified()) return invalid();
      auto& list = key == "router" ? l.routers : l.dns_servers;
      if (list.size() >= kMaxListEntries)
        return badLine(lineno, "too many " + std::string(key) + " entries");
      list.push_back(*a);
    } else if (key == "static-route" || key == "classless-route") {
      auto r = route(value);
      if (!r) return invalid();
      auto& list = key == "static-route" ? l.static_routes : l.classless_routes;
      if (list.size() >= kMaxListEntries)
        return badLine(lineno, "too many " + std::string(key) + " entries");
      list.push_back(*r);
    } else if (key == "mtu") {
      auto n = number<uint16_t>(value);
      if (!n || *n < 68) return invalid();
      l.mtu = *n;
    } else if (key == "hostname" || key == "domain") {
      if (!isValidDnsName(value)) return invalid();
      (key == "hostname" ? l.host_name : l.domain_name) = std::string(value);
    }
  }
  for (auto k : kRequired)
    if (!seen.count(k)) return fail(ErrorCode::kInvalidInput, "missing key " + std::string(k));
  bool timers_ok = l.infinite() ? (l.t1_seconds == kInfiniteLease && l.t2_seconds == kInfiniteLease)
                                : (l.lease_seconds >= kMinLeaseSeconds && l.t1_seconds > 0 &&
                                   l.t1_seconds < l.t2_seconds && l.t2_seconds < l.lease_seconds);
  if (!timers_ok) return fail(ErrorCode::kInvalidInput, "inconsistent lease, t1 and t2");
  return l;
}

Result<FileLeaseStore> FileLeaseStore::create(std::filesystem::path state_dir,
                                              std::string interface) {
  bool ok = !interface.empty() && interface.size() < 16 && interface != "." && interface != "..";
  for (char c : interface) ok = ok && c != '/' && c > ' ' && c < 0x7f;
  if (!ok) return fail(ErrorCode::kInvalidInput, "invalid interface name '" + interface + "'");
  auto path = state_dir / ("dhcp4-" + interface + ".lease");
  return FileLeaseStore(std::move(path), std::move(interface));
}

Result<std::optional<Lease>> FileLeaseStore::load() {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return std::optional<Lease>{};
  auto text = readFile(path_, kMaxLeaseFileSize);
  if (!text) return unexpected<Error>(text.error().wrap("reading " + path_.string()));
  auto lease = parseLeaseFile(*text, interface_);
  if (!lease) return unexpected<Error>(lease.error().wrap(path_.string()));
  return std::optional<Lease>(std::move(*lease));
}

Result<void> FileLeaseStore::save(const Lease& lease) {
  auto r = writeFileAtomic(path_, formatLeaseFile(lease, interface_), 0600);
  if (!r) return unexpected<Error>(r.error().wrap("saving lease"));
  return {};
}

Result<void> FileLeaseStore::clear() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  if (ec) return failErrno(ec.value(), "removing " + path_.string());
  return {};
}

}  // namespace rempart::netconfig::dhcp
