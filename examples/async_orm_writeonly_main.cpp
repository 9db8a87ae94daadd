// examples/async_orm_writeonly [URL]: the second seed program; default sqlite:///orca_demo.db.
#include <iostream>

#include "async_orm_writeonly.hpp"

int main(int argc, char** argv) {
  const char* url = argc > 1 ? argv[1] : "sqlite:///orca_demo.db";
  try {
    return orca::run(async_orm_writeonly::async_main(orca::create_engine(url, {.echo = true}), std::cout));
  } catch (const std::exception& e) {
    std::cerr << "async_orm_writeonly: " << e.what() << "\n";
    return 1;
  }
}
