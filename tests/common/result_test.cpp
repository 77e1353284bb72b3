#include "common/result.hpp"

#include <catch2/catch.hpp>
#include <cerrno>

using namespace rempart;

namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return fail(ErrorCode::kInvalidInput, std::to_string(x) + " is odd");
  return x / 2;
}

Result<int> quarter(int x) {
  int h = TRY(half(x));
  return TRY(half(h));
}

Result<void> checkEven(int x) {
  TRY(half(x));
  return {};
}

}  // namespace

TEST_CASE("TRY propagates the first error and yields values", "[unit][result]") {
  REQUIRE(quarter(8).value() == 2);
  auto r = quarter(6);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidInput);
  CHECK(r.error().context == "3 is odd");
  CHECK(checkEven(4));
  CHECK_FALSE(checkEven(5));
}

TEST_CASE("Error messages carry context, errno text and the kernel's extack", "[unit][result]") {
  Error e{ErrorCode::kKernel, EEXIST, "adding address 10.1.0.1/24 to lan0", "address in use"};
  CHECK(e.message() == "adding address 10.1.0.1/24 to lan0: File exists (kernel: address in use)");
  CHECK(e.wrap("applying level secret").context ==
        "applying level secret: adding address 10.1.0.1/24 to lan0");
  CHECK(Error{ErrorCode::kTimeout, 0, "", ""}.message() == "timeout");
}
