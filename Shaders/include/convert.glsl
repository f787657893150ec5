// The plan buffer of the convert stage: ScalePlan's tables (Sources/GifsmithCore/ScalePlan.swift,
// FilterTable.swift) as ints, behind a header. Built once per plan on the host (ConvertPlan.swift).
#ifndef GIFSMITH_CONVERT_GLSL
#define GIFSMITH_CONVERT_GLSL

const uint PLAN_OUT_WIDTH = 0u;
const uint PLAN_OUT_HEIGHT = 1u;
const uint PLAN_HAS_MATRIX = 2u;  // 1: YUV planes and the matrix below; 0: R, G, B planes
const uint PLAN_Y_SCALE = 3u;     // YUVCoefficients, Q12
const uint PLAN_RV = 4u;
const uint PLAN_GU = 5u;
const uint PLAN_GV = 6u;
const uint PLAN_BU = 7u;
const uint PLAN_Y_OFFSET = 8u;

// Per plane p, 16 words from PLAN_PLANES + 16·p:
const uint PLAN_PLANES = 16u;
const uint PLANE_H_TAPS = 0u;     // horizontal FilterTable: taps,
const uint PLANE_H_STARTS = 1u;   //   where its starts begin in the plan buffer,
const uint PLANE_H_COEFS = 2u;    //   where its coefficients begin (tap-major: [k][x])
const uint PLANE_V_TAPS = 3u;     // vertical FilterTable, likewise
const uint PLANE_V_STARTS = 4u;
const uint PLANE_V_COEFS = 5u;    //   (row-major: [y][k])
const uint PLANE_ROW_FIRST = 6u;  // first source row any output row reads
const uint PLANE_ROW_COUNT = 7u;  // rows from there to the last one read
const uint PLANE_ROWS_AT = 8u;    // where the plane's filtered rows begin in the row buffer
const uint PLANE_ITEMS_END = 9u;  // row-pass items of planes 0...p (ROW_COUNT · width each)

#endif
