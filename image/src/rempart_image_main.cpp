// `rempart-image`: image-building and update helpers run on the build host and the appliance.
//   rempart-image verity format DATA HASH --salt HEX --uuid UUID [--threads N]
//       writes the hash device and prints "root_hash=<hex> data_blocks=<n>"
//   rempart-image verity verify DATA HASH ROOT_HASH
//       exits 0 when every block matches, 1 with the first mismatch named
#include <charconv>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "image/verity.hpp"

namespace {

using namespace rempart;

constexpr std::string_view kUsage =
    "usage: rempart-image verity format DATA HASH --salt HEX --uuid UUID [--threads N]\n"
    "       rempart-image verity verify DATA HASH ROOT_HASH [--threads N]\n";

int usage(std::string_view why) {
  std::cerr << "rempart-image: " << why << "\n" << kUsage;
  return 2;
}

struct Args {
  std::vector<std::string_view> positional;
  std::string_view salt, uuid;
  unsigned threads = 2;
};

// Returns an error text, or "" when the arguments parsed.
std::string parseArgs(const std::vector<std::string_view>& in, Args& out) {
  for (size_t i = 0; i < in.size(); ++i) {
    auto a = in[i];
    if (a == "--salt" || a == "--uuid" || a == "--threads") {
      if (i + 1 >= in.size()) return std::string(a) + " needs a value";
      auto v = in[++i];
      if (a == "--salt")
        out.salt = v;
      else if (a == "--uuid")
        out.uuid = v;
      else {
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out.threads);
        if (ec != std::errc() || p != v.data() + v.size() || out.threads < 1 || out.threads > 64)
          return "--threads wants a number from 1 to 64, not '" + std::string(v) + "'";
      }
    } else if (a.starts_with("--")) {
      return "unknown option '" + std::string(a) + "'";
    } else {
      out.positional.push_back(a);
    }
  }
  return "";
}

int verity(const std::vector<std::string_view>& argv) {
  if (argv.empty()) return usage("verity needs format or verify");
  Args args;
  if (auto err = parseArgs({argv.begin() + 1, argv.end()}, args); !err.empty()) return usage(err);
  if (argv[0] == "format") {
    if (args.positional.size() != 2 || args.salt.empty() || args.uuid.empty())
      return usage("verity format needs DATA HASH --salt HEX --uuid UUID");
    image::VerityParams p;
    auto salt = image::fromHex(args.salt);
    if (!salt) return usage("--salt: " + salt.error().message());
    auto uuid = image::parseUuid(args.uuid);
    if (!uuid) return usage("--uuid: " + uuid.error().message());
    p.salt = *salt;
    p.uuid = *uuid;
    p.threads = args.threads;
    auto tree =
        image::formatVerity(std::string(args.positional[0]), std::string(args.positional[1]), p);
    if (!tree) {
      std::cerr << "rempart-image: " << tree.error().message() << "\n";
      return 1;
    }
    std::cout << "root_hash=" << image::toHex(tree->root_hash)
              << " data_blocks=" << tree->data_blocks << "\n";
    return 0;
  }
  if (argv[0] == "verify") {
    if (args.positional.size() != 3) return usage("verity verify needs DATA HASH ROOT_HASH");
    auto root = image::fromHex(args.positional[2]);
    if (!root || root->size() != image::kVerityDigestSize)
      return usage("ROOT_HASH must be 64 hex digits");
    std::array<uint8_t, image::kVerityDigestSize> expected{};
    std::copy(root->begin(), root->end(), expected.begin());
    auto r = image::verifyVerity(std::string(args.positional[0]), std::string(args.positional[1]),
                                 expected, args.threads);
    if (!r) {
      std::cerr << "rempart-image: " << r.error().message() << "\n";
      return 1;
    }
    std::cout << "verified\n";
    return 0;
  }
  return usage("unknown verity command '" + std::string(argv[0]) + "'");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) return usage("no command given");
  if (args[0] == "verity") return verity({args.begin() + 1, args.end()});
  return usage("unknown command '" + std::string(args[0]) + "'");
}
