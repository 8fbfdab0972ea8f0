#include <iostream>

#include "geo/algorithms.hpp"

/// Read shapes from standard input, one per line, and print a summary.
int main() {
  geo::ShapeList shapes;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (auto shape = geo::parse_shape(line)) shapes.push_back(std::move(shape));
  }
  std::cout << geo::summarize(shapes) << "\n";
  return 0;
}
