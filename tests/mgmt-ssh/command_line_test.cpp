// The CLI's word splitter: quotes, and shell metacharacters that stay plain characters.
#include "gateway/command_line.hpp"

#include <catch2/catch.hpp>

using rempart::gateway::splitCommandLine;
using Words = std::vector<std::string>;

TEST_CASE("command lines split on blanks and honour quotes", "[unit][tokenizer]") {
  CHECK(*splitCommandLine("show log connections --since 24h --json") ==
        Words{"show", "log", "connections", "--since", "24h", "--json"});
  CHECK(*splitCommandLine("  show\t status  \n") == Words{"show", "status"});
  CHECK(*splitCommandLine("tunnel up 'paris red'") == Words{"tunnel", "up", "paris red"});
  CHECK(*splitCommandLine(R"(a "b \"c\" \\ d" e)") == Words{"a", R"(b "c" \ d)", "e"});
  CHECK(*splitCommandLine(R"(a "x\ny")") == Words{"a", R"(x\ny)"});
  CHECK(*splitCommandLine("a''b \"\"") == Words{"ab", ""});
  CHECK(*splitCommandLine(R"(one\ word)") == Words{"one word"});
  CHECK(splitCommandLine("")->empty());
  CHECK(*splitCommandLine("caf\xc3\xa9") == Words{"caf\xc3\xa9"});
}

TEST_CASE("shell metacharacters are plain characters inside words", "[unit][tokenizer]") {
  CHECK(*splitCommandLine("show status; sh") == Words{"show", "status;", "sh"});
  CHECK(*splitCommandLine("show $(id)") == Words{"show", "$(id)"});
  CHECK(*splitCommandLine("show `id`") == Words{"show", "`id`"});
  CHECK(*splitCommandLine("show status|sh") == Words{"show", "status|sh"});
  CHECK(*splitCommandLine("show status >/tmp/x 2>&1 <in &") ==
        Words{"show", "status", ">/tmp/x", "2>&1", "<in", "&"});
  CHECK(*splitCommandLine("show ${HOME} ~ * ?(a) #c") ==
        Words{"show", "${HOME}", "~", "*", "?(a)", "#c"});
  CHECK(*splitCommandLine("'$(id)'") == Words{"$(id)"});
  CHECK(*splitCommandLine("\"$(id) `id`\"") == Words{"$(id) `id`"});
}

TEST_CASE("malformed command lines are refused with the reason", "[unit][tokenizer]") {
  auto unterminated = splitCommandLine("show 'status");
  REQUIRE_FALSE(unterminated);
  CHECK_THAT(unterminated.error().message(), Catch::Contains("unterminated ' quote at byte 6"));
  auto dq = splitCommandLine("show \"status");
  REQUIRE_FALSE(dq);
  CHECK_THAT(dq.error().message(), Catch::Contains("unterminated \""));
  auto bs = splitCommandLine("show \\");
  REQUIRE_FALSE(bs);
  CHECK_THAT(bs.error().message(), Catch::Contains("backslash"));
  auto utf = splitCommandLine("show \xff\xfe");
  REQUIRE_FALSE(utf);
  CHECK_THAT(utf.error().message(), Catch::Contains("UTF-8"));
  auto ctl = splitCommandLine("show\x1b[2J status");
  REQUIRE_FALSE(ctl);
  CHECK_THAT(ctl.error().message(), Catch::Contains("control character"));
  CHECK_FALSE(splitCommandLine("show\nstatus"));
  auto big = splitCommandLine(std::string(rempart::gateway::kMaxCommandLineBytes + 1, 'a'));
  REQUIRE_FALSE(big);
  CHECK_THAT(big.error().message(), Catch::Contains("exceeds the limit"));
  CHECK(splitCommandLine(std::string(rempart::gateway::kMaxCommandLineBytes, 'a')));
}
