#include "proposals.hpp"

#include <algorithm>
#include <array>

#include "yaml_reader.hpp"

namespace rempart::config::detail {

namespace {

enum class Role { kCipher, kAead, kIntegrity, kPrf, kGroup, kEsn, kWeak, kIkev1, kUnknown };

template <size_t N>
bool in(const std::array<std::string_view, N>& set, std::string_view token) {
  return std::find(set.begin(), set.end(), token) != set.end();
}

constexpr std::array<std::string_view, 9> kCiphers = {"aes128",      "aes192",      "aes256",
                                                      "aes128ctr",   "aes192ctr",   "aes256ctr",
                                                      "camellia128", "camellia192", "camellia256"};
constexpr std::array<std::string_view, 19> kAeads = {
    "aes128gcm16", "aes192gcm16", "aes256gcm16", "aes128gcm12",     "aes192gcm12",
    "aes256gcm12", "aes128gcm",   "aes192gcm",   "aes256gcm",       "aes128ccm16",
    "aes192ccm16", "aes256ccm16", "aes128ccm12", "aes192ccm12",     "aes256ccm12",
    "aes128ccm",   "aes192ccm",   "aes256ccm",   "chacha20poly1305"};
constexpr std::array<std::string_view, 8> kIntegrity = {
    "sha256", "sha384", "sha512", "sha2_256", "sha2_384", "sha2_512", "aesxcbc", "aescmac"};
constexpr std::array<std::string_view, 5> kPrfs = {"prfsha256", "prfsha384", "prfsha512",
                                                   "prfaesxcbc", "prfaescmac"};
constexpr std::array<std::string_view, 15> kGroups = {
    "ecp256", "ecp384",   "ecp521",   "ecp256bp", "ecp384bp", "ecp512bp", "x25519",  "curve25519",
    "x448",   "curve448", "modp2048", "modp3072", "modp4096", "modp6144", "modp8192"};
constexpr std::array<std::string_view, 2> kEsn = {"esn", "noesn"};
constexpr std::array<std::string_view, 35> kWeak = {
    "des",         "3des",         "cast128",      "blowfish",     "blowfish128", "blowfish192",
    "blowfish256", "null",         "md5",          "md5_128",      "sha1",        "sha",
    "sha1_160",    "sha256_96",    "prfmd5",       "prfsha1",      "modp768",     "modp1024",
    "modp1536",    "modp1024s160", "modp2048s224", "modp2048s256", "ecp192",      "ecp224",
    "ecp224bp",    "aes128gcm8",   "aes192gcm8",   "aes256gcm8",   "aes128ccm8",  "aes192ccm8",
    "aes256ccm8",  "aes128gmac",   "aes192gmac",   "aes256gmac",   "idea"};

Role classify(std::string_view t) {
  if (in(kWeak, t)) return Role::kWeak;
  if (t == "ikev1" || t == "aggressive") return Role::kIkev1;
  if (in(kCiphers, t)) return Role::kCipher;
  if (in(kAeads, t)) return Role::kAead;
  if (in(kIntegrity, t)) return Role::kIntegrity;
  if (in(kPrfs, t)) return Role::kPrf;
  if (in(kGroups, t)) return Role::kGroup;
  if (in(kEsn, t)) return Role::kEsn;
  return Role::kUnknown;
}

}  // namespace

std::string proposalProblem(std::string_view proposal, ProposalKind kind) {
  const std::string head = "proposal " + quoted(proposal);
  const bool ike = kind == ProposalKind::kIke;
  if (proposal.empty() || proposal.size() > 256) return head + " is not a valid proposal";
  int ciphers = 0, aeads = 0, integrity = 0, prfs = 0, groups = 0;
  std::string_view rest = proposal;
  while (true) {
    size_t dash = rest.find('-');
    std::string_view token = rest.substr(0, dash);
    if (token.empty()) return head + " has an empty algorithm name";
    switch (classify(token)) {
      case Role::kWeak:
        return head + ": " + quoted(token) + " is a weak algorithm and is refused";
      case Role::kIkev1:
        return head + ": IKEv1 is never allowed";
      case Role::kUnknown:
        return head + ": unknown algorithm " + quoted(token);
      case Role::kCipher:
        ++ciphers;
        break;
      case Role::kAead:
        ++aeads;
        break;
      case Role::kIntegrity:
        ++integrity;
        break;
      case Role::kPrf:
        if (!ike) return head + ": " + quoted(token) + " is a PRF, which ESP proposals do not take";
        ++prfs;
        break;
      case Role::kGroup:
        ++groups;
        break;
      case Role::kEsn:
        if (ike) return head + ": " + quoted(token) + " is only meaningful in ESP proposals";
        break;
    }
    if (dash == std::string_view::npos) break;
    rest.remove_prefix(dash + 1);
  }
  if (ciphers + aeads == 0) return head + " has no encryption algorithm";
  if (ciphers > 0 && aeads > 0)
    return head + " mixes AEAD and classic ciphers; write them as separate proposals";
  if (aeads > 0 && integrity > 0)
    return head + " combines an AEAD cipher with an integrity algorithm; drop the integrity one";
  if (ciphers > 0 && integrity == 0)
    return head + " needs an integrity algorithm (e.g. sha384) with a classic cipher";
  if (ike && aeads > 0 && prfs == 0) return head + " needs a PRF (e.g. prfsha384) with AEAD";
  if (ike && groups == 0) return head + " needs a key exchange group (e.g. ecp384 or x25519)";
  return "";
}

}  // namespace rempart::config::detail
