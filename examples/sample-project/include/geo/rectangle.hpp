#pragma once

#include "geo/shape.hpp"

namespace geo {

/** An axis-aligned rectangle. */
class Rectangle : public Shape {
 public:
  /// A `width` by `height` rectangle; the sides are stored as given.
  Rectangle(double width, double height);
  double area() const override;
  double perimeter() const override;
  ShapeKind kind() const override;
  /// Length of the horizontal sides.
  double width() const { return width_; }
  /// Length of the vertical sides.
  double height() const { return height_; }
 protected:
  double width_;   ///< Horizontal side, as given at construction.
  double height_;  ///< Vertical side, as given at construction.
};

/// A rectangle whose sides are equal.
class Square final : public Rectangle {
 public:
  /// A square with sides of length `side`.
  explicit Square(double side);
  ShapeKind kind() const override;
};

}  // namespace geo
