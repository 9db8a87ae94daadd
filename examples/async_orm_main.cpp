// examples/async_orm [URL]: the first seed program; default URL sqlite:///orca_demo.db.
#include <iostream>

#include "async_orm.hpp"

int main(int argc, char** argv) {
  const char* url = argc > 1 ? argv[1] : "sqlite:///orca_demo.db";
  try {
    return orca::run(async_orm::async_main(orca::create_engine(url, {.echo = true}), std::cout));
  } catch (const std::exception& e) {
    std::cerr << "async_orm: " << e.what() << "\n";
    return 1;
  }
}
