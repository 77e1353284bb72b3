#include "gateway/audit/log_query.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "gateway/audit/json.hpp"

namespace rempart::gateway::audit {

namespace {

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Printable ASCII only: control, DEL and non-ASCII characters are shown \u-escaped, so that
// nothing a peer put into an identity can move the cursor or reorder text on the reader's
// terminal.
std::string printable(std::string_view s) {
  std::string out;
  appendJsonString(out, s);
  std::string inner = out.substr(1, out.size() - 2);
  std::string unescaped;  // keep \" and \\ readable: they are printable already
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '\\' && i + 1 < inner.size() && (inner[i + 1] == '"' || inner[i + 1] == '\\')) {
      unescaped += inner[++i];
      continue;
    }
    unescaped += inner[i];
  }
  return unescaped;
}

constexpr std::string_view kSinceUntilHelp =
    "(RFC 3339 like 2026-12-04T10:00:00Z, a date like 2026-12-04, or a span back from now like "
    "30m, 24h, 7d)";

}  // namespace

Result<SysTime> parseRfc3339(std::string_view t) {
  auto bad = [&]() {
    return fail(ErrorCode::kInvalidInput, "'" + std::string(t.substr(0, 40)) + "' is not a time " +
                                              std::string(kSinceUntilHelp));
  };
  if (t.size() == 10) {
    if (!digits(t.substr(0, 4)) || t[4] != '-' || !digits(t.substr(5, 2)) || t[7] != '-' ||
        !digits(t.substr(8, 2)))
      return bad();
    return parseRfc3339(std::string(t) + "T00:00:00Z");
  }
  if (t.size() < 20 || !digits(t.substr(0, 4)) || t[4] != '-' || !digits(t.substr(5, 2)) ||
      t[7] != '-' || !digits(t.substr(8, 2)) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
      !digits(t.substr(11, 2)) || t[13] != ':' || !digits(t.substr(14, 2)) || t[16] != ':' ||
      !digits(t.substr(17, 2)))
    return bad();
  std::tm tm{};
  tm.tm_year = num(t.substr(0, 4)) - 1900;
  tm.tm_mon = num(t.substr(5, 2)) - 1;
  tm.tm_mday = num(t.substr(8, 2));
  tm.tm_hour = num(t.substr(11, 2));
  tm.tm_min = num(t.substr(14, 2));
  tm.tm_sec = num(t.substr(17, 2));
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return bad();
  size_t i = 19;
  int64_t millis = 0;
  if (i < t.size() && t[i] == '.') {
    size_t start = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start || i - start > 9) return bad();
    std::string frac(t.substr(start, i - start));
    frac.resize(3, '0');
    millis = num(frac.substr(0, 3));
  }
  int64_t offset = 0;
  std::string_view zone = t.substr(i);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(zone.substr(1, 2)) &&
             zone[3] == ':' && digits(zone.substr(4, 2))) {
    offset = (num(zone.substr(1, 2)) * 60 + num(zone.substr(4, 2))) * 60;
    if (zone[0] == '-') offset = -offset;
  } else {
    return bad();
  }
  const time_t secs = timegm(&tm);
  if (secs == static_cast<time_t>(-1)) return bad();
  return SysTime(std::chrono::seconds(secs - offset)) + std::chrono::milliseconds(millis);
}

Result<SysTime> parseTimeArgument(std::string_view text, SysTime now) {
  if (text.size() >= 2 && text.size() <= 8 && digits(text.substr(0, text.size() - 1))) {
    const int64_t n = num(text.substr(0, text.size() - 1));
    int64_t unit = 0;
    switch (text.back()) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 7 * 86400;
        break;
      default:
        break;
    }
    if (unit) return now - std::chrono::seconds(n * unit);
  }
  return parseRfc3339(text);
}

Result<LogQuery> parseLogQuery(const std::vector<std::string>& args, bool json, SysTime now) {
  LogQuery q;
  if (json) q.output = LogOutput::kJson;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--csv") {
      if (json) return fail(ErrorCode::kInvalidInput, "--json and --csv exclude each other");
      q.output = LogOutput::kCsv;
      continue;
    }
    const bool takes_value =
        a == "--since" || a == "--until" || a == "--level" || a == "--tunnel" || a == "--peer";
    if (!takes_value)
      return fail(ErrorCode::kInvalidInput,
                  "unknown argument '" + printable(std::string_view(a).substr(0, 64)) +
                      "' (use --since, --until, --level, --tunnel, --peer, --json or --csv)");
    if (i + 1 >= args.size()) return fail(ErrorCode::kInvalidInput, a + " needs a value");
    const std::string& v = args[++i];
    if (a == "--since" || a == "--until") {
      auto t = parseTimeArgument(v, now);
      if (!t) return unexpected<Error>(t.error().wrap(a));
      (a == "--since" ? q.since : q.until) = *t;
    } else {
      (a == "--level" ? q.level : a == "--tunnel" ? q.tunnel : q.peer) = v;
    }
  }
  if (q.since && q.until && *q.until <= *q.since)
    return fail(ErrorCode::kInvalidInput, "--until is not after --since");
  return q;
}

Result<LogRow> parseLogRow(std::string_view line) {
  auto members = TRY(parseJsonObject(line));
  LogRow row;
  std::string remote_addr, remote_id, source;
  for (const auto& m : members) {
    const std::string& v = m.value;
    if (m.key == "seq")
      row.seq = v;
    else if (m.key == "time")
      row.time = v;
    else if (m.key == "prev")
      continue;
    else if (m.key == "event")
      row.event = v;
    else if (m.key == "level")
      row.level = v;
    else if (m.key == "tunnel")
      row.tunnel = v;
    else {
      if (m.key == "remote_addr") remote_addr = v;
      if (m.key == "remote_id") remote_id = v;
      if (m.key == "source" || m.key == "ssh_client") source = v.substr(0, v.find(' '));
      if (!row.details.empty()) row.details += ' ';
      row.details += m.key + "=" + v;
    }
  }
  row.peer = !remote_addr.empty() ? remote_addr : !source.empty() ? source : remote_id;
  if (!remote_id.empty() && !remote_addr.empty()) row.peer += " (" + remote_id + ")";
  return row;
}

bool matchesQuery(const LogRow& row, const LogQuery& q) {
  if (!q.level.empty() && row.level != q.level) return false;
  if (!q.tunnel.empty() && row.tunnel != q.tunnel) return false;
  if (!q.peer.empty()) {
    const std::string& p = row.peer;
    // peer is "ADDR (ID)", "ADDR" or "ID": match either part exactly.
    const size_t paren = p.find(" (");
    const std::string addr = p.substr(0, paren);
    const std::string id =
        paren == std::string::npos ? "" : p.substr(paren + 2, p.size() - paren - 3);
    if (addr != q.peer && id != q.peer) return false;
  }
  if (q.since || q.until) {
    auto t = parseRfc3339(row.time);
    if (!t) return false;
    if (q.since && *t < *q.since) return false;
    if (q.until && *t >= *q.until) return false;
  }
  return true;
}

std::string csvCell(std::string_view text) {
  std::string cell(text);
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                        cell[0] == '\t' || cell[0] == '\r'))
    cell.insert(0, "'");
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string formatLog(const std::vector<std::string>& lines, const LogQuery& query) {
  std::vector<LogRow> rows;
  std::string out;
  for (const auto& line : lines) {
    auto row = parseLogRow(line);
    if (!row || !matchesQuery(*row, query)) continue;
    if (query.output == LogOutput::kJson) {
      out += line + "\n";
      continue;
    }
    for (auto* f :
         {&row->seq, &row->time, &row->event, &row->level, &row->tunnel, &row->peer, &row->details})
      *f = printable(*f);
    rows.push_back(std::move(*row));
  }
  if (query.output == LogOutput::kJson) return out;
  if (query.output == LogOutput::kCsv) {
    out = "seq,time,event,level,tunnel,peer,details\r\n";
    for (const auto& r : rows) {
      out += csvCell(r.seq) + "," + csvCell(r.time) + "," + csvCell(r.event) + "," +
             csvCell(r.level) + "," + csvCell(r.tunnel) + "," + csvCell(r.peer) + "," +
             csvCell(r.details) + "\r\n";
    }
    return out;
  }
  const std::vector<std::string> header = {"SEQ", "TIME", "EVENT", "LEVEL", "TUNNEL", "PEER"};
  std::vector<size_t> width;
  for (const auto& h : header) width.push_back(h.size());
  for (const auto& r : rows) {
    const std::string* f[] = {&r.seq, &r.time, &r.event, &r.level, &r.tunnel, &r.peer};
    for (size_t i = 0; i < 6; ++i)
      width[i] = std::max(width[i], std::min<size_t>(f[i]->size(), 60));
  }
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size())
        line += std::string(width[i] > cells[i].size() ? width[i] - cells[i].size() + 2 : 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  std::vector<std::string> h = header;
  h.push_back("DETAILS");
  emit(h);
  for (const auto& r : rows)
    emit({r.seq, r.time, r.event, r.level.empty() ? "-" : r.level,
          r.tunnel.empty() ? "-" : r.tunnel, r.peer.empty() ? "-" : r.peer, r.details});
  return out;
}

}  // namespace rempart::gateway::audit
