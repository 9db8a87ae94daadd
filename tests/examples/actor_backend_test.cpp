// The actor backend example on every backend: the orders it creates, lists and reports on are
// what a second, independent connection finds, and its order service drains before closing.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include <unistd.h>

#include <caf/scoped_actor.hpp>
#include <catch2/catch.hpp>

#include "actor_backend.hpp"
#include "orca/actors/caf_error.hpp"
#include "orca/actors/runtime.hpp"
#include "support/backends.hpp"
#include "support/example_runs.hpp"

using namespace std::chrono_literals;
using actor_backend::create_atom;
using orca::actors::close_atom;
using orca::actors::ok_atom;

namespace {

using orca::test::rows_of;

orca::errc code_of(const caf::error& e) { return orca::actors::from_caf_error(e, "the test").code(); }

}  // namespace

TEST_CASE("actor_backend writes the orders requested, and its lists and report match an independent connection",
          "[examples][actor_backend]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_backend::workload work;
  work.orders = 42;
  work.report_batch = 4;
  std::ostringstream out;
  auto result = actor_backend::run(target.url, out, work);
  auto check = target.connect();

  // Every create request wrote one row, with the id it answered.
  REQUIRE(result.placed.size() == 42);
  auto placed = result.placed;
  std::sort(placed.begin(), placed.end(), [](auto& x, auto& y) { return x.id < y.id; });
  std::string expected_rows;
  for (auto& p : placed)
    expected_rows += std::to_string(p.id) + ",'" + p.customer + "'," + std::to_string(p.amount_cents) + ";";
  CHECK(rows_of(*check, "SELECT id, customer, amount_cents FROM orders ORDER BY id") == expected_rows);
  auto requested_sum = std::accumulate(placed.begin(), placed.end(), std::int64_t{0},
                                       [](std::int64_t sum, auto& p) { return sum + p.amount_cents; });
  CHECK(rows_of(*check, "SELECT count(*), sum(amount_cents) FROM orders") ==
        "42," + std::to_string(requested_sum) + ";");

  // Each list answered exactly that customer's orders, by id.
  for (auto& customer : work.customers) {
    std::string expected_ids, listed_ids;
    for (auto& p : placed)
      if (p.customer == customer) expected_ids += std::to_string(p.id) + ";";
    for (auto& o : result.listed.at(customer)) listed_ids += std::to_string(o.id) + ";";
    CHECK(listed_ids == expected_ids);
  }

  // The report's totals are the database's GROUP BY, pulled in batches of at most 4.
  std::string reported;
  for (auto& [customer, total] : result.report.totals)
    reported += "'" + customer + "'," + std::to_string(result.report.counts.at(customer)) + "," +
                std::to_string(total) + ";";
  auto grouped = "SELECT customer, count(*), sum(amount_cents) FROM orders GROUP BY customer ORDER BY customer";
  CHECK(reported == rows_of(*check, grouped));
  CHECK(result.report.orders == 42);
  CHECK(result.report.batches == 11);
  CHECK(result.report.largest_batch == 4);
  CHECK(out.str().find("report: 42 orders streamed in 11 batches") != std::string::npos);
}

TEST_CASE("actor_backend order service refuses invalid orders and answers close after the requests in flight",
          "[examples][actor_backend]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  auto url = orca::parse_url(target.url);
  {
    auto setup = target.connect();
    actor_backend::metadata().drop_all(*setup);
    actor_backend::metadata().create_all(*setup);
  }
  auto runtime = orca::actors::runtime::get();
  {
    auto actors = actor_backend::spawn_backend(runtime->system(), url, 2);
    auto& service = actors.orders;
    caf::scoped_actor self{runtime->system()};

    self->request(service, 30s, create_atom::value, std::string{}, std::int64_t{500})
        .receive([](std::int64_t) { FAIL_CHECK("an order without a customer was accepted"); },
                 [](caf::error& e) { CHECK(code_of(e) == orca::errc::invalid_argument); });

    // Ten creates and a close, all in flight at once on two connections: the close waits.
    std::vector<decltype(self->request(service, 30s, create_atom::value, std::string{}, std::int64_t{}))> creates;
    for (std::int64_t i = 0; i < 10; ++i)
      creates.push_back(self->request(service, 30s, create_atom::value, std::string{"grace"}, 100 + i));
    auto closing = self->request(service, 30s, close_atom::value);
    std::size_t answered = 0;
    for (auto& create : creates)
      create.receive([&](std::int64_t id) { answered += id > 0 ? 1 : 0; },
                     [](caf::error& e) { FAIL_CHECK("a create in flight failed: " << to_string(e)); });
    CHECK(answered == 10);
    bool closed = false;
    closing.receive([&](ok_atom) { closed = true; },
                    [](caf::error& e) { FAIL_CHECK("close failed: " << to_string(e)); });
    CHECK(closed);

    self->request(service, 5s, create_atom::value, std::string{"grace"}, std::int64_t{1})
        .receive([](std::int64_t) { FAIL_CHECK("a closed service accepted an order"); }, [](caf::error&) {});
    self->request(actors.reports, 30s, close_atom::value)
        .receive([](ok_atom) {}, [](caf::error& e) { FAIL_CHECK("closing the reports failed: " << to_string(e)); });
    self->request(actors.pool, 30s, orca::actors::dispose_atom::value)
        .receive([](ok_atom) {}, [](caf::error& e) { FAIL_CHECK("dispose failed: " << to_string(e)); });
  }  // the scoped actor and every handle go before the runtime
  runtime.reset();

  auto check = target.connect();
  CHECK(rows_of(*check, "SELECT customer, count(*), sum(amount_cents) FROM orders GROUP BY customer") ==
        "'grace',10,1045;");
}

TEST_CASE("actor_backend answers every request with the database error when its table is missing, then shuts down",
          "[examples][actor_backend]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  actor_backend::metadata().drop_all(*target.connect());
  auto runtime = orca::actors::runtime::get();
  {
    auto actors = actor_backend::spawn_backend(runtime->system(), orca::parse_url(target.url), 2);
    caf::scoped_actor self{runtime->system()};
    auto create = self->request(actors.orders, 30s, create_atom::value, std::string{"ada"}, std::int64_t{100});
    auto list = self->request(actors.orders, 30s, actor_backend::list_atom::value, std::string{"ada"});
    auto report = self->request(actors.reports, 30s, actor_backend::report_atom::value, std::uint64_t{10});
    create.receive([](std::int64_t) { FAIL_CHECK("created an order without a table"); },
                   [](caf::error& e) { CHECK(code_of(e) == orca::errc::statement_error); });
    list.receive([](std::vector<actor_backend::order>&) { FAIL_CHECK("listed orders without a table"); },
                 [](caf::error& e) { CHECK(code_of(e) == orca::errc::statement_error); });
    report.receive([](actor_backend::order_report&) { FAIL_CHECK("reported without a table"); },
                   [](caf::error& e) { CHECK(code_of(e) == orca::errc::statement_error); });

    // Every failed request closed its session: each connection is back in the pool.
    self->request(actors.pool, 30s, orca::actors::status_atom::value)
        .receive([](orca::actors::pool_status& status) { CHECK(status.checked_out == 0); },
                 [](caf::error& e) { FAIL_CHECK("pool status failed: " << to_string(e)); });
    for (auto closing :
         {self->request(actors.orders, 30s, close_atom::value), self->request(actors.reports, 30s, close_atom::value)})
      closing.receive([](ok_atom) {}, [](caf::error& e) { FAIL_CHECK("close failed: " << to_string(e)); });
    self->request(actors.pool, 30s, orca::actors::dispose_atom::value)
        .receive([](ok_atom) {}, [](caf::error& e) { FAIL_CHECK("dispose failed: " << to_string(e)); });
  }
  runtime.reset();  // returns only once every actor has quit
}

TEST_CASE("actor_backend refuses an in-memory SQLite database", "[examples][actor_backend]") {
  std::ostringstream out;
  CHECK_THROWS_WITH(actor_backend::run("sqlite://", out), Catch::Contains("in-memory"));
}

TEST_CASE("the actor_backend program exits 0 and prints its report", "[examples][actor_backend]") {
  // Runs the built executable as a user would, in a scratch directory (default URL).
  auto dir = std::filesystem::temp_directory_path() / ("orca-actor-backend-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto command = "cd " + dir.string() + " && " + ORCA_EXAMPLE_ACTOR_BACKEND + " > out.txt 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream in(dir / "out.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("24 create-order requests in flight at once") != std::string::npos);
  CHECK(text.find("report: 24 orders streamed in 5 batches") != std::string::npos);
  CHECK(std::filesystem::exists(dir / "orca_demo.db"));
  std::filesystem::remove_all(dir);
}
