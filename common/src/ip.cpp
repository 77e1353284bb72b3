#include "common/ip.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace rempart {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    a.family = Family::kV4;
    if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  } else {
    a.family = Family::kV6;
    if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  }
  return a;
}

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress a;
  a.family = Family::kV4;
  a.bytes[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<uint8_t>(host_order);
  return a;
}

uint32_t IpAddress::v4HostOrder() const {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

bool IpAddress::isUnspecified() const {
  for (size_t i = 0; i < size(); ++i)
    if (bytes[i] != 0) return false;
  return true;
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family == Family::kV4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, bool allow_bare) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    if (!allow_bare) return std::nullopt;
    auto a = IpAddress::parse(text);
    if (!a) return std::nullopt;
    return host(*a);
  }
  auto a = IpAddress::parse(text.substr(0, slash));
  if (!a) return std::nullopt;
  std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3) return std::nullopt;
  unsigned len = 0;
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc() || ptr != len_text.data() + len_text.size()) return std::nullopt;
  if (len > a->maxPrefix()) return std::nullopt;
  return IpPrefix{*a, len};
}

IpPrefix IpPrefix::network() const {
  IpPrefix p = *this;
  for (size_t i = 0; i < p.address.size(); ++i) {
    size_t bit = i * 8;
    if (bit >= length) {
      p.address.bytes[i] = 0;
    } else if (bit + 8 > length) {
      p.address.bytes[i] &= static_cast<uint8_t>(0xff << (8 - (length - bit)));
    }
  }
  return p;
}

bool IpPrefix::contains(const IpAddress& a) const {
  if (a.family != family()) return false;
  return IpPrefix{a, length}.network().address == network().address;
}

bool IpPrefix::contains(const IpPrefix& p) const {
  return p.family() == family() && p.length >= length && contains(p.address);
}

bool IpPrefix::overlaps(const IpPrefix& p) const {
  return contains(p) || p.contains(*this);
}

std::string IpPrefix::str() const {
  return address.str() + "/" + std::to_string(length);
}

}  // namespace rempart
