#pragma once

#include <memory>
#include <vector>

#include "geo/shape.hpp"

namespace geo {

/// Owning list of shapes.
using ShapeList = std::vector<std::unique_ptr<Shape>>;

/// Sum of the areas of all shapes in @p shapes.
double total_area(const ShapeList& shapes);

/// The shape with the largest area, or nullptr when @p shapes is empty.
const Shape* largest(const ShapeList& shapes);

/**
 * Parse a shape from text such as "circle 2" or "rect 3 4".
 *
 * @param text the description to parse
 * @return the shape, or nullptr when the text is not understood
 */
std::unique_ptr<Shape> parse_shape(const std::string& text);

/// Count how many shapes of each kind there are and return a one-line report.
std::string summarize(const ShapeList& shapes);

}  // namespace geo
