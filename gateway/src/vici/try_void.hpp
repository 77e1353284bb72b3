// TRY for Result<void>: the common TRY yields a value and so cannot take a void result.
#pragma once

#include "common/result.hpp"

#define TRY_VOID(expr)                                                                \
  do {                                                                                \
    auto&& try_void_result_ = (expr);                                                 \
    if (!try_void_result_)                                                            \
      return ::tl::unexpected<::rempart::Error>(std::move(try_void_result_).error()); \
  } while (0)
