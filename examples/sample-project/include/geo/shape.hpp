#pragma once

#include <string>

namespace geo {

/// Kinds of shapes the library knows about.
enum class ShapeKind {
  circle,     ///< A round shape defined by its radius.
  rectangle,  ///< An axis-aligned box.
  square,     ///< A rectangle with equal sides.
};

/**
 * @brief Abstract base of every shape.
 *
 * A shape knows its area and perimeter and can describe itself.
 */
class Shape {
 public:
  virtual ~Shape() = default;

  /// Area of the shape in square units.
  virtual double area() const = 0;

  /// Length of the outline of the shape.
  virtual double perimeter() const = 0;

  /// The kind of this shape.
  virtual ShapeKind kind() const = 0;

  /// Human-readable description, e.g. "circle of area 3.14".
  std::string describe() const;
};

}  // namespace geo
