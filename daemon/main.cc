#include <iostream>
#include <string_view>
#include <vector>

#include "daemon/app/app.h"

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  return swas::app::run(args, std::cout, std::cerr);
}
