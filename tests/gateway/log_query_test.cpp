// `show log` filters, time arguments and output forms: pure functions over record lines.
#include "gateway/audit/log_query.hpp"

#include <catch2/catch.hpp>

using namespace rempart::gateway::audit;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

SysTime at(const char* text) {
  auto t = parseRfc3339(text);
  REQUIRE(t);
  return *t;
}

const std::vector<std::string> kLines = {
    R"({"seq":1,"time":"2026-12-04T10:00:00.000Z","prev":"00","event":"log.start","format":"rempart-audit/1","log":"connections"})",
    R"({"seq":2,"time":"2026-12-04T11:00:00.000Z","prev":"00","event":"child.up","level":"red","local_addr":"192.0.2.10","remote_addr":"192.0.2.20","remote_id":"lyon-red","tunnel":"lyon"})",
    R"({"seq":3,"time":"2026-12-04T12:00:00.000Z","prev":"00","event":"ike.failed","level":"blue","reason":"authentication failed","remote_addr":"192.0.2.21","remote_id":"=cmd|' /C calc'!A0","tunnel":"lyon"})",
    R"({"seq":4,"time":"2026-12-04T13:00:00.000Z","prev":"00","event":"child.down","level":"red","remote_addr":"192.0.2.20","remote_id":"lyon-red","tunnel":"rome"})",
};

LogQuery query(std::vector<std::string> args, bool json = false) {
  auto q = parseLogQuery(args, json, at("2026-12-04T14:00:00Z"));
  REQUIRE(q);
  return *q;
}

size_t rows(const std::string& table) {
  return static_cast<size_t>(std::count(table.begin(), table.end(), '\n')) - 1;  // minus header
}

}  // namespace

TEST_CASE("time arguments: RFC 3339, dates and spans back from now", "[unit][logquery]") {
  const SysTime now = at("2026-12-04T14:00:00Z");
  CHECK(*parseTimeArgument("24h", now) == now - hours(24));
  CHECK(*parseTimeArgument("30m", now) == now - minutes(30));
  CHECK(*parseTimeArgument("7d", now) == now - hours(24 * 7));
  CHECK(*parseTimeArgument("45s", now) == now - seconds(45));
  CHECK(*parseTimeArgument("2026-12-04", now) == at("2026-12-04T00:00:00Z"));
  CHECK(*parseTimeArgument("2026-12-04T16:00:00+02:00", now) == now);
  CHECK(at("2026-12-04T14:00:00.500Z") - now == std::chrono::milliseconds(500));
  for (const char* bad : {"", "24", "h", "24x", "yesterday", "2026-13-04", "2026-12-04T25:00:00Z",
                          "2026-12-04T10:00:00", "2026-12-04T10:00:00+0200", "-5m", "1e3h"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseTimeArgument(bad, now));
  }
}

TEST_CASE("show log arguments: unknown flags, missing values and conflicts are refused",
          "[unit][logquery]") {
  const SysTime now = at("2026-12-04T14:00:00Z");
  CHECK_FALSE(parseLogQuery({"--bogus"}, false, now));
  CHECK_FALSE(parseLogQuery({"--since"}, false, now));
  CHECK_FALSE(parseLogQuery({"--since", "soon"}, false, now));
  CHECK_FALSE(parseLogQuery({"--csv"}, true, now));
  CHECK_FALSE(parseLogQuery({"red"}, false, now));
  CHECK_FALSE(parseLogQuery({"--since", "1h", "--until", "2h"}, false, now));
  auto e = parseLogQuery({"--since", "soon"}, false, now);
  CHECK(e.error().message().find("--since") != std::string::npos);
  CHECK(parseLogQuery({"--csv", "--level", "red"}, false, now)->output == LogOutput::kCsv);
}

TEST_CASE("show log filters by time, level, tunnel and peer", "[unit][logquery]") {
  CHECK(rows(formatLog(kLines, query({}))) == 4);
  CHECK(rows(formatLog(kLines, query({"--since", "3h"}))) == 3);  // 11:00, 12:00, 13:00
  CHECK(rows(formatLog(kLines, query({"--since", "3h", "--until", "2026-12-04T13:00:00Z"}))) == 2);
  CHECK(rows(formatLog(kLines, query({"--level", "red"}))) == 2);
  CHECK(rows(formatLog(kLines, query({"--tunnel", "lyon"}))) == 2);
  CHECK(rows(formatLog(kLines, query({"--tunnel", "lyon", "--level", "blue"}))) == 1);
  CHECK(rows(formatLog(kLines, query({"--peer", "192.0.2.20"}))) == 2);
  CHECK(rows(formatLog(kLines, query({"--peer", "lyon-red"}))) == 2);
  CHECK(rows(formatLog(kLines, query({"--peer", "192.0.2"}))) == 0);  // exact, not a prefix
}

TEST_CASE("show log --json gives the stored records unchanged, one per line", "[unit][logquery]") {
  auto out = formatLog(kLines, query({"--level", "red"}, true));
  CHECK(out == kLines[1] + "\n" + kLines[3] + "\n");
}

TEST_CASE("CSV cells: RFC 4180 quoting and formula-injection guard", "[unit][logquery]") {
  CHECK(csvCell("plain") == "plain");
  CHECK(csvCell("a,b") == "\"a,b\"");
  CHECK(csvCell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csvCell("two\nlines") == "\"two\nlines\"");
  CHECK(csvCell("=1+1") == "'=1+1");
  CHECK(csvCell("+1") == "'+1");
  CHECK(csvCell("-1") == "'-1");
  CHECK(csvCell("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csvCell("=a,b") == "\"'=a,b\"");
  auto csv = formatLog(kLines, query({"--csv", "--level", "blue"}));
  CHECK(csv.starts_with("seq,time,event,level,tunnel,peer,details\r\n"));
  CHECK(csv.find(",192.0.2.21 (=cmd|' /C calc'!A0),") != std::string::npos);
  // A peer known only by a hostile identity would start the cell with '=': it is neutralized.
  std::vector<std::string> hostile = {
      R"j({"seq":9,"time":"2026-12-04T10:00:00.000Z","prev":"00","event":"ike.error","remote_id":"=HYPERLINK(\"http://x\")"})j"};
  auto guarded = formatLog(hostile, query({"--csv"}));
  CHECK(guarded.find(",\"'=HYPERLINK(\"\"http://x\"\")\",") != std::string::npos);
}

TEST_CASE("the table shows hostile identities as printable ASCII", "[unit][logquery]") {
  std::vector<std::string> lines = {
      R"({"seq":1,"time":"2026-12-04T10:00:00.000Z","prev":"00","event":"ike.up","level":"red","remote_addr":"192.0.2.9","remote_id":"evil\u001b[2J\u202e","tunnel":"x"})"};
  auto out = formatLog(lines, query({}));
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find("\\u001b[2J\\u202e") != std::string::npos);
}
