// TRY_VOID(expr): propagates the error of a Result<void>. common's TRY needs a value to yield
// and does not compile for Result<void> with the tl::expected in bookworm.
#pragma once

#include "common/result.hpp"

#define TRY_VOID(expr)                                                                \
  do {                                                                                \
    if (auto try_void_result_ = (expr); !try_void_result_) {                          \
      return ::tl::unexpected<::rempart::Error>(std::move(try_void_result_).error()); \
    }                                                                                 \
  } while (0)
