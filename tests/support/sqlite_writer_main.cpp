// orca_test_sqlite_writer: a process that writes a SQLite file through an orca engine, for
// the multi-process fault tests (tests/actors/sqlite_process_fault_test.cpp), which start
// it, kill it, run two at once, and check the file from outside. Each line it prints on
// stdout is written only after the call it reports returned.
//
//   orca_test_sqlite_writer URL batches WRITER ROWS
//     Prints "start N" (N: one past WRITER's highest batch in the file), then commits batch
//     N, N+1, ... (a batch row and ROWS batch_row rows per transaction) until killed,
//     printing "ack N" after each commit() returned.
//   orca_test_sqlite_writer URL counter WRITER SESSIONS TRANSACTIONS
//     Prints "ready", waits for a line on stdin, then runs SESSIONS sessions at once, each
//     committing TRANSACTIONS transactions that increment counter 1 with an update expression
//     and insert a batch row: "ack N" after each commit, "failed N ERRC" after each failure.
//   orca_test_sqlite_writer URL version|version-cached WRITER SESSIONS INCREMENTS
//     Prints "ready", waits for a line on stdin, then runs SESSIONS sessions at once, each
//     incrementing counter 2 INCREMENTS times by get / modify / commit: "ack" after each
//     commit, "conflict ERRC" for each retried failure. `version` reads the row afresh in
//     each transaction (deferred BEGIN: a snapshot another process wrote past fails the
//     write); `version-cached` keeps it across commits (expire_on_commit off) and writes
//     from that copy, so that only the version column stops a stale write.
//
// Every mode ends with "done" and status 0; an unexpected error, printed on stderr, gives 1.
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "orca/orca.hpp"
#include "support/sqlite_writer_schema.hpp"

namespace {

using namespace sqlite_writer;

// Retries of one read-modify-write increment before the writer gives up (a bound, so that
// a test cannot hang; contention between two processes needs a handful).
constexpr int max_attempts = 1000;

/// Writes one line to stdout at once, unbuffered: what was printed survives a SIGKILL.
void say(const std::string& line) {
  std::string text = line + "\n";
  for (std::string_view rest = text; !rest.empty();) {
    auto written = ::write(STDOUT_FILENO, rest.data(), rest.size());
    if (written < 0) throw orca::error(orca::errc::internal, "cannot write to stdout");
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
}

/// Prints "ready" once the engine has a connection, and waits for the test's go-ahead, so
/// that two writers start their transactions together.
orca::task<void> ready_then_wait(orca::async_sessionmaker make) {
  auto session = make();
  auto probe = orca::text("SELECT count(*) FROM counter");
  co_await session.execute(probe);
  co_await session.close();
  say("ready");
  // Blocks the host's thread: nothing of this process has work to do until the go-ahead.
  std::string go;
  std::getline(std::cin, go);
}

/// The batch number after `writer`'s highest in the file: where a writer started after a
/// kill goes on.
orca::task<std::int64_t> next_batch(orca::async_sessionmaker make, std::int64_t writer) {
  auto session = make();
  orca::text_parameters parameters{{"writer", orca::value{writer}}};
  auto highest = orca::text("SELECT coalesce(max(number), 0) FROM batch WHERE writer = :writer");
  auto rows = co_await session.execute(highest, parameters);
  co_await session.close();
  co_return rows.at(0, 0).as_integer() + 1;
}

orca::task<void> write_batches(orca::engine engine, std::int64_t writer, std::int64_t rows) {
  auto make = orca::async_sessionmaker(engine);
  auto number = co_await next_batch(make, writer);
  say("start " + std::to_string(number));
  auto session = make();
  for (;; ++number) {
    session.add(batch{.writer = writer, .number = number, .rows = rows});
    for (std::int64_t position = 0; position < rows; ++position)
      session.add(batch_row{.writer = writer,
                            .batch = number,
                            .position = position,
                            .payload = "batch " + std::to_string(number) + " row " + std::to_string(position)});
    co_await session.commit();
    say("ack " + std::to_string(number));
  }
}

orca::task<void> increment_counter(orca::async_sessionmaker make, std::int64_t writer, std::int64_t first,
                                   std::int64_t transactions) {
  auto session = make();
  auto increment = orca::update<counter>()
                       .where(orca::col(&counter::id) == shared_counter)
                       .values(orca::set(&counter::value, orca::col(&counter::value) + 1));
  for (auto number = first; number < first + transactions; ++number) {
    orca::errc failure = orca::errc::none;
    try {
      co_await session.execute(increment);
      session.add(batch{.writer = writer, .number = number, .rows = 0});
      co_await session.commit();
    } catch (const orca::error& e) {
      failure = e.code();
    }
    if (failure == orca::errc::none) {
      say("ack " + std::to_string(number));
    } else {
      say("failed " + std::to_string(number) + " " + std::string(orca::to_string(failure)));
      co_await session.rollback();
    }
  }
  co_await session.close();
}

// `cached`: the session keeps the counter it loaded across commits and writes from that
// copy; only after a conflict (rollback expires it) does it load the row again.
orca::task<void> increment_version(orca::async_sessionmaker make, std::int64_t increments, bool cached) {
  auto session = make();
  std::shared_ptr<counter> held;
  for (std::int64_t k = 0; k < increments; ++k) {
    for (int attempt = 1;; ++attempt) {
      orca::errc conflict = orca::errc::none;
      try {
        if (!held || !cached) held = co_await session.get_one<counter>(versioned_counter);
        held->value += 1;
        co_await session.commit();
      } catch (const orca::error& e) {
        if (e.code() != orca::errc::stale_data && e.code() != orca::errc::database_busy) throw;
        conflict = e.code();
      }
      if (conflict == orca::errc::none) break;
      say("conflict " + std::string(orca::to_string(conflict)));
      co_await session.rollback();
      held.reset();
      if (attempt == max_attempts)
        throw orca::error(orca::errc::database_busy,
                          "gave up an increment after " + std::to_string(max_attempts) + " conflicts");
    }
    say("ack");
  }
  co_await session.close();
}

orca::task<void> run_sessions(orca::engine engine, std::string mode, std::int64_t writer, std::int64_t sessions,
                              std::int64_t count) {
  auto make = orca::async_sessionmaker(engine, {.expire_on_commit = mode != "version-cached"});
  co_await ready_then_wait(make);
  std::vector<orca::task<void>> work;
  for (std::int64_t s = 0; s < sessions; ++s)
    work.push_back(mode == "counter" ? increment_counter(make, writer, s * count + 1, count)
                                     : increment_version(make, count, mode == "version-cached"));
  co_await orca::when_all(std::move(work));
}

orca::task<void> writer_main(std::string url, std::vector<std::string> args) {
  auto mode = args.at(0);
  auto writer = std::stoll(args.at(1));
  if (mode == "batches") {
    auto engine = orca::create_engine(url);
    co_await write_batches(engine, writer, std::stoll(args.at(2)));
    co_return;
  }
  auto sessions = std::stoll(args.at(2));
  // Deferred BEGIN for the writers that read afresh, so that two of them really read the
  // same version and one must retry.
  auto engine = orca::create_engine(url, {.pool_size = static_cast<std::size_t>(sessions),
                                          .max_overflow = 0,
                                          .sqlite_begin_immediate = mode != "version"});
  co_await run_sessions(engine, mode, writer, sessions, std::stoll(args.at(3)));
  co_await engine.dispose();
  say("done");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || (std::string_view(argv[2]) != "batches" && argc < 6)) {
    std::cerr << "usage: orca_test_sqlite_writer URL batches WRITER ROWS\n"
                 "       orca_test_sqlite_writer URL counter|version WRITER SESSIONS COUNT\n";
    return 2;
  }
  return orca::run(writer_main(argv[1], std::vector<std::string>(argv + 2, argv + argc)));
}
