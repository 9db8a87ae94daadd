// one_line (drivers/src/message_text.hpp): libpq's multi-line messages become one line with
// every word kept and no full stop inside a sentence.
#include <catch2/catch.hpp>

#include "message_text.hpp"

using orca::drivers::one_line;

TEST_CASE("libpq lines that continue a sentence are joined without a full stop", "[drivers][messages][fault]") {
  CHECK(one_line("server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n"
                 "\tbefore or while processing the request.\n") ==
        "server closed the connection unexpectedly. This probably means the server terminated abnormally "
        "before or while processing the request.");
}

TEST_CASE("libpq messages and indented sentences each end with a full stop", "[drivers][messages][fault]") {
  CHECK(one_line("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
                 "\tIs the server running on that host and accepting TCP/IP connections?\n") ==
        "connection to server at \"127.0.0.1\", port 1 failed: Connection refused. Is the server running on "
        "that host and accepting TCP/IP connections?");
  CHECK(one_line("FATAL:  terminating connection due to administrator command\nserver closed the connection "
                 "unexpectedly\n") ==
        "FATAL: terminating connection due to administrator command. server closed the connection unexpectedly");
  CHECK(one_line("ends with a colon:\n\tNext") == "ends with a colon: Next");
  CHECK(one_line("") == "");
}
