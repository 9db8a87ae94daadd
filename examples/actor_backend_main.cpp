// examples/actor_backend [URL]: the actor backend example; default URL sqlite:///orca_demo.db.
#include <iostream>

#include "actor_backend.hpp"

int main(int argc, char** argv) {
  return actor_backend::run_actor_backend(argc > 1 ? argv[1] : "sqlite:///orca_demo.db", std::cout, std::cerr);
}
