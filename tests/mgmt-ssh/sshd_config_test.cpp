// The sshd_config renderer: the locked-down settings, refusal of unsafe values, and sshd's own
// verdict on the result (`sshd -t`, `sshd -T`).
#include <catch2/catch.hpp>
#include <fstream>

#include "gateway/sshd.hpp"
#include "test_support.hpp"

using namespace rempart;
using namespace rempart::gateway;

namespace {

SshdSettings sample() {
  SshdSettings s;
  s.listen_address = *IpAddress::parse("10.255.1.1");
  s.port = 2222;
  s.allow_users = {"alice", "victor"};
  s.host_keys = {"/var/lib/rempart/ssh/ssh_host_ed25519_key",
                 "/var/lib/rempart/ssh/ssh_host_ecdsa_key"};
  s.authorized_keys_dir = "/var/lib/rempart/ssh/authorized_keys";
  s.pid_file = "/run/rempart/ssh/sshd.pid";
  s.cli = "/usr/bin/rempart";
  s.control_socket = "/run/rempart/control.sock";
  return s;
}

bool hasLine(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("sshd_config allows public keys of the role users only and nothing but the CLI",
          "[unit][sshd]") {
  auto text = renderSshdConfig(sample());
  REQUIRE(text);
  for (const char* line : {"ListenAddress 10.255.1.1:2222",
                           "AllowUsers alice victor",
                           "PasswordAuthentication no",
                           "KbdInteractiveAuthentication no",
                           "PermitRootLogin no",
                           "AuthenticationMethods publickey",
                           "MaxAuthTries 3",
                           "LoginGraceTime 20",
                           "DisableForwarding yes",
                           "AllowTcpForwarding no",
                           "AllowStreamLocalForwarding no",
                           "AllowAgentForwarding no",
                           "X11Forwarding no",
                           "PermitTunnel no",
                           "PermitUserEnvironment no",
                           "ExposeAuthInfo yes",
                           "PermitTTY yes",
                           "ForceCommand /usr/bin/rempart --ssh --socket /run/rempart/control.sock",
                           "AuthorizedKeysFile /var/lib/rempart/ssh/authorized_keys/%u",
                           "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
                           "HostKey /var/lib/rempart/ssh/ssh_host_ed25519_key"}) {
    INFO(line);
    CHECK(hasLine(*text, line));
  }
  CHECK(text->find("Subsystem") == std::string::npos);
  CHECK(text->find("AcceptEnv") == std::string::npos);
}

TEST_CASE("sshd_config: users only from the allowed sources", "[unit][sshd]") {
  auto s = sample();
  s.allowed_sources = {*IpPrefix::parse("10.255.1.0/24"), *IpPrefix::parse("2001:db8::/64")};
  auto text = renderSshdConfig(s);
  REQUIRE(text);
  CHECK(hasLine(*text,
                "AllowUsers alice@10.255.1.0/24 alice@2001:db8::/64 "
                "victor@10.255.1.0/24 victor@2001:db8::/64"));
}

TEST_CASE("sshd_config: IPv6 listen address and no users", "[unit][sshd]") {
  auto s = sample();
  s.listen_address = *IpAddress::parse("2001:db8::1");
  s.allow_users.clear();
  auto text = renderSshdConfig(s);
  REQUIRE(text);
  CHECK(hasLine(*text, "ListenAddress [2001:db8::1]:2222"));
  CHECK(hasLine(*text, "DenyUsers *"));
  CHECK(text->find("AllowUsers") == std::string::npos);
}

TEST_CASE("sshd_config refuses values that sshd or the ForceCommand shell would interpret",
          "[unit][sshd]") {
  auto bad_cli = sample();
  bad_cli.cli = "/usr/bin/rempart; sh";
  auto r = renderSshdConfig(bad_cli);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("CLI"));
  auto relative = sample();
  relative.control_socket = "control.sock";
  CHECK_FALSE(renderSshdConfig(relative));
  auto percent = sample();
  percent.authorized_keys_dir = "/keys/%h";
  CHECK_FALSE(renderSshdConfig(percent));
  auto user = sample();
  user.allow_users = {"alice", "bob *"};
  auto ru = renderSshdConfig(user);
  REQUIRE_FALSE(ru);
  CHECK_THAT(ru.error().message(), Catch::Contains("bob *"));
  CHECK(isPlainUserName("rt-admin_1"));
  CHECK_FALSE(isPlainUserName("Root"));
  CHECK_FALSE(isPlainUserName("1abc"));
  CHECK_FALSE(isPlainUserName(""));
}

TEST_CASE("sshd accepts the rendered config and its effective settings are the locked-down ones",
          "[netns][sshd]") {
  test::ScopedTempDir dir("rt-sshdcfg");
  auto s = sample();
  s.allowed_sources = {*IpPrefix::parse("10.255.1.0/24"), *IpPrefix::parse("2001:db8::/64")};
  s.host_keys = {dir.path() / "ed", dir.path() / "ec"};
  s.authorized_keys_dir = dir.path() / "keys";
  s.pid_file = dir.path() / "sshd.pid";
  test::mustRunCommand({"ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", s.host_keys[0]});
  test::mustRunCommand(
      {"ssh-keygen", "-q", "-N", "", "-t", "ecdsa", "-b", "384", "-f", s.host_keys[1]});
  auto text = renderSshdConfig(s);
  REQUIRE(text);
  const auto file = dir.path() / "sshd_config";
  std::ofstream(file) << *text;
  std::filesystem::create_directories("/run/sshd");
  auto t = test::runCommand({"/usr/sbin/sshd", "-t", "-f", file});
  INFO(t.out);
  REQUIRE(t.status == 0);
  auto big = test::runCommand({"/usr/sbin/sshd", "-T", "-f", file});
  INFO(big.out);
  REQUIRE(big.status == 0);
  for (const char* line :
       {"passwordauthentication no", "kbdinteractiveauthentication no", "permitrootlogin no",
        "permituserenvironment no", "allowtcpforwarding no", "allowagentforwarding no",
        "allowstreamlocalforwarding no", "x11forwarding no", "permittunnel no",
        "disableforwarding yes", "exposeauthinfo yes", "maxauthtries 3", "logingracetime 20",
        "authenticationmethods publickey",
        "kexalgorithms sntrup761x25519-sha512@openssh.com,"
        "curve25519-sha256,curve25519-sha256@libssh.org"}) {
    INFO(line);
    CHECK(hasLine(big.out, line));
  }
  CHECK(big.out.find("\nacceptenv") == std::string::npos);
  CHECK(big.out.find("\nsubsystem") == std::string::npos);
}
