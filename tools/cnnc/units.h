// Numbers as the commands print them for people.
#pragma once

#include <cstdint>
#include <string>

namespace cnnc::cli {

// 25557032 -> "25,557,032"
std::string with_commas(int64_t v);
// 1536 -> "1.5 KiB"
std::string human_bytes(int64_t bytes);

}  // namespace cnnc::cli
