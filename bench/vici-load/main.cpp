// Benchmark helper for bench/vici-load/run.sh. Generates N tunnels of one level from the
// config model and either
//   write-swanctl FILE N   writes them as swanctl.conf (the anchor loads it with swanctl)
//   load SOCKET N          loads them through our VICI client (batched load-conn)
//   count SOCKET           prints how many vici connections charon holds (get-conns)
// Exit 0 on success; errors go to stderr.
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "gateway/vici/client.hpp"
#include "gateway/vici/conn_builder.hpp"

using namespace rempart;
using namespace rempart::gateway::vici;

namespace {

std::vector<Section> generate(int n) {
  config::Level level;
  level.name = "bench";
  level.public_address = *IpAddress::parse("10.98.0.1");
  level.identity.id = "gw.bench.rempart.test";
  std::vector<Section> out;
  for (int i = 0; i < n; ++i) {
    config::Tunnel t;
    t.name = "t" + std::to_string(i);
    t.remote_address = "10.98." + std::to_string(1 + i / 250) + "." + std::to_string(1 + i % 250);
    t.remote_id = "peer" + std::to_string(i) + ".bench.rempart.test";
    t.local_ts = {*IpPrefix::parse("10.1.0.0/16")};
    t.remote_ts = {IpPrefix{IpAddress::v4((172u << 24) | (16u << 16) | (uint32_t(i) << 8)), 24}};
    t.start = config::StartMode::kPassive;  // load only: nothing negotiates during the run
    auto conn = buildLoadConn(level, t, {.dataplane = config::Dataplane::kLibipsec});
    if (!conn) {
      std::cerr << conn.error().message() << "\n";
      std::exit(1);
    }
    out.push_back(std::move(*conn));
  }
  return out;
}

void writeSwanctl(std::ostream& out, const Section& s, int depth) {
  std::string pad(depth * 2, ' ');
  for (const auto& e : s.entries()) {
    switch (e.kind) {
      case Entry::Kind::kValue:
        out << pad << e.name << " = " << e.value << "\n";
        break;
      case Entry::Kind::kList: {
        out << pad << e.name << " = ";
        for (size_t i = 0; i < e.items.size(); ++i) out << (i ? "," : "") << e.items[i];
        out << "\n";
        break;
      }
      case Entry::Kind::kSection:
        out << pad << e.name << " {\n";
        writeSwanctl(out, e.section.front(), depth + 1);
        out << pad << "}\n";
        break;
    }
  }
}

int usage() {
  std::cerr << "usage: vici_load_bench write-swanctl FILE N | load SOCKET N | count SOCKET\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string mode = argv[1];
  if (mode == "write-swanctl" && argc == 4) {
    std::ofstream out(argv[2]);
    out << "connections {\n";
    for (const auto& conn : generate(std::stoi(argv[3]))) writeSwanctl(out, conn, 1);
    out << "}\n";
    return out.good() ? 0 : 1;
  }
  if ((mode == "load" && argc == 4) || (mode == "count" && argc == 3)) {
    boost::asio::io_context io;
    Client client(
        io, ClientOptions{.socket_path = argv[2], .request_timeout = std::chrono::seconds(30)});
    std::optional<Error> error;
    bool done = false;
    auto finish = [&](Result<void> r) {
      if (!r) error = r.error();
      done = true;
    };
    client.connect([&](Result<void> r) {
      if (!r) return finish(r);
      if (mode == "load") {
        client.loadConns(generate(std::stoi(argv[3])), finish);
      } else {
        client.getConns([&](Result<std::vector<std::string>> conns) {
          if (!conns) return finish(unexpected<Error>(conns.error()));
          std::printf("%zu\n", conns->size());
          finish({});
        });
      }
    });
    while (!done && io.run_one() > 0) {
    }
    if (error) {
      std::cerr << "vici_load_bench: " << error->message() << "\n";
      return 1;
    }
    return 0;
  }
  return usage();
}
