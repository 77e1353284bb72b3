// Errors as values. Every fallible operation returns Result<T>; exceptions from third-party
// libraries are caught at a component's edge and turned into an Error there.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <type_traits>
#include <utility>

namespace rempart {

enum class ErrorCode {
  kInvalidInput,  // bad config, argument, packet or file content
  kNotFound,
  kExists,
  kLimit,     // a hard cap was reached
  kSystem,    // a syscall failed; errnum says why
  kKernel,    // the kernel refused a netlink request; extack may say why
  kProtocol,  // a peer spoke the protocol wrongly
  kTimeout,
  kConflict,  // someone else changed the state under us
  kDenied,
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kSystem;
  int errnum = 0;       // errno, or 0
  std::string context;  // what we were doing: "adding address 10.1.0.1/24 to lan0"
  std::string extack;   // the kernel's extended-ack text, when it gave one

  // "adding address 10.1.0.1/24 to lan0: File exists (kernel: ...)"
  std::string message() const;

  // Returns a copy whose context is prefixed with `outer`: "outer: inner".
  Error wrap(std::string_view outer) const;
};

template <typename T>
using Result = tl::expected<T, Error>;

using tl::unexpected;

// Builds an unexpected<Error> for the common cases.
inline unexpected<Error> fail(ErrorCode code, std::string context) {
  return unexpected<Error>(Error{code, 0, std::move(context), {}});
}
// From errno after a failed syscall.
unexpected<Error> failErrno(std::string context);
inline unexpected<Error> failErrno(int errnum, std::string context) {
  return unexpected<Error>(Error{ErrorCode::kSystem, errnum, std::move(context), {}});
}

namespace detail {
template <typename T>
T tryValue(Result<T>&& r) {
  return std::move(r).value();
}
inline void tryValue(Result<void>&&) {}
}  // namespace detail

}  // namespace rempart

// TRY(expr): evaluates a Result; on error returns it from the enclosing function, otherwise
// yields the value (for Result<void>, nothing). Uses a GNU statement expression.
#define REMPART_CONCAT_INNER(a, b) a##b
#define REMPART_CONCAT(a, b) REMPART_CONCAT_INNER(a, b)
#define TRY(expr) TRY_IMPL(REMPART_CONCAT(try_result_, __COUNTER__), expr)
#define TRY_IMPL(var, expr)                                                                   \
  ({                                                                                          \
    ::rempart::Result<typename std::remove_cvref_t<decltype(expr)>::value_type> var = (expr); \
    if (!var) return ::tl::unexpected<::rempart::Error>(std::move(var).error());              \
    ::rempart::detail::tryValue(std::move(var));                                              \
  })
