#include "common/result.hpp"

#include <cerrno>
#include <cstring>

namespace rempart {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "invalid input";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kExists:
      return "exists";
    case ErrorCode::kLimit:
      return "limit reached";
    case ErrorCode::kSystem:
      return "system error";
    case ErrorCode::kKernel:
      return "kernel error";
    case ErrorCode::kProtocol:
      return "protocol error";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kDenied:
      return "denied";
  }
  return "unknown error";
}

std::string Error::message() const {
  std::string out = context.empty() ? std::string(errorCodeName(code)) : context;
  if (errnum != 0) {
    out += ": ";
    out += std::strerror(errnum);
  }
  if (!extack.empty()) {
    out += " (kernel: ";
    out += extack;
    out += ")";
  }
  return out;
}

Error Error::wrap(std::string_view outer) const {
  Error e = *this;
  e.context = context.empty() ? std::string(outer) : std::string(outer) + ": " + context;
  return e;
}

unexpected<Error> failErrno(std::string context) {
  return unexpected<Error>(Error{ErrorCode::kSystem, errno, std::move(context), {}});
}

}  // namespace rempart
