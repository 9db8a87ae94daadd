// The orca side of the benchmark (orca_phases.cpp): the workload through orca's public
// facade. Made by the harness for every backend.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "workload.hpp"

namespace orca_bench {

/// The orca side on `url`: an engine whose pool holds exactly `pool` connections.
std::unique_ptr<side> make_orca_side(const std::string& url, std::int64_t pool, std::chrono::milliseconds busy_timeout);

}  // namespace orca_bench
