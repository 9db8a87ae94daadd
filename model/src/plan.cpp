// The synchronous driver of plans: each request becomes one call on a driver connection.
#include "orca/model/plan.hpp"

#include "orca/model/overloaded.hpp"

namespace orca {

io_reply perform(drivers::connection& connection, io_request& request) {
  return std::visit(overloaded{
                        [&](io::execute& r) -> io_reply { return connection.execute(r.sql, r.parameters); },
                        [&](io::execute_many& r) -> io_reply { return connection.execute_many(r.sql, r.sets); },
                        [&](io::execute_batch& r) -> io_reply {
                          if (r.commit) return connection.execute_batch_and_commit(r.statements, r.expected_rows);
                          return connection.execute_batch(r.statements);
                        },
                        [&](io::begin&) -> io_reply {
                          if (!connection.in_transaction()) connection.begin();
                          return {};
                        },
                        [&](io::commit&) -> io_reply {
                          connection.commit();
                          return {};
                        },
                        [&](io::rollback&) -> io_reply {
                          connection.rollback();
                          return {};
                        },
                        [&](io::run& r) -> io_reply {
                          r.job(connection);
                          return {};
                        },
                    },
                    request);
}

std::string describe(const io_request& request) {
  return std::visit(overloaded{
                        [](const io::execute& r) { return r.sql; },
                        [](const io::execute_many& r) { return r.sql; },
                        [](const io::execute_batch& r) {
                          auto first = r.statements.empty() ? std::string{"an empty batch"}
                                                            : r.statements.front().first;
                          return r.commit ? first + " (and the statements after it, then COMMIT)" : first;
                        },
                        [](const io::begin&) { return std::string{"BEGIN"}; },
                        [](const io::commit&) { return std::string{"COMMIT"}; },
                        [](const io::rollback&) { return std::string{"ROLLBACK"}; },
                        [](const io::run&) { return std::string{"a function on the session's connection"}; },
                    },
                    request);
}

}  // namespace orca
