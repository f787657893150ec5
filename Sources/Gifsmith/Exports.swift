// The library's users work with the core value types (sizes, palettes, options) directly.
@_exported import GifsmithCore
