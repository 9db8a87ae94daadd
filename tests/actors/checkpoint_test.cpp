// SQLite checkpoints run on the engine's checkpointer, not inside the sessions' COMMITs:
// the WAL stays bounded while thousands of small transactions commit.
#include <filesystem>

#include <catch2/catch.hpp>

#include "support/actor_schema.hpp"
#include "support/backends.hpp"

using seed::A;

TEST_CASE("thousands of SQLite commits keep the WAL bounded: the checkpointer runs the checkpoints",
          "[actors][session][sqlite]") {
  auto target = orca::test::backends().front();
  REQUIRE(target.name == "sqlite");
  auto path = orca::parse_url(target.url).database;
  constexpr int commits = 4000;
  std::uintmax_t wal = 0;
  actor_test::run([](orca::engine engine, std::string wal_path, std::uintmax_t* wal) -> orca::task<void> {
    co_await actor_test::reset_seed_schema(engine);
    auto session = orca::async_sessionmaker(engine)();
    for (int i = 0; i < commits; ++i) {
      session.add(A{.data = "row " + std::to_string(i)});
      co_await session.commit();
    }
    // Measured while the connections are open: closing the last one checkpoints anyway.
    *wal = std::filesystem::file_size(wal_path);
    co_await session.close();
    co_await engine.dispose();
  }(orca::create_engine(target.url), path + "-wal", &wal));

  auto check = target.connect();
  CHECK(check->execute("SELECT count(*) FROM a").at(0, 0).as_integer() == commits);
  // 4,000 commits append over 16 MiB of frames; checkpointed from 1,000 pages on, the WAL is
  // reused from its start and stays near 4 MiB.
  INFO("WAL size: " << wal);
  CHECK(wal < 8u * 1024 * 1024);
}
