// Helpers of the example tests (tests/examples): rows read through a second connection as
// one string, and an example program run as a user would run it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "orca/drivers/connection.hpp"

namespace orca::test {

/// The rows of `sql` as "v1,v2;v1,v2;" (values as orca::to_string renders them: 'text', NULL).
inline std::string rows_of(drivers::connection& c, const std::string& sql) {
  auto rows = c.execute(sql);
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t k = 0; k < rows.width(); ++k) out += (k ? "," : "") + orca::to_string(rows.at(r, k));
    out += ";";
  }
  return out;
}

/// Runs an example program as a user would in the scratch directory `dir` (created); its
/// exit status, and what it printed.
inline std::pair<int, std::string> run_program(const std::string& program, const std::string& arguments,
                                               const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  auto command = "cd '" + dir.string() + "' && '" + program + "' " + arguments + " > out.txt 2>&1";
  int status = std::system(command.c_str());
  std::ifstream in(dir / "out.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {status, text};
}

}  // namespace orca::test
