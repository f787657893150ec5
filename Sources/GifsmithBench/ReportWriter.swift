import Foundation

/// Writes results.csv, results.json and index.html (offline: inline SVG, no scripts).
public enum ReportWriter {
    public static let csvHeader = "clip,tool,quantizer,dither,colorspace,lossy,colors,width,height,frames,bytes,seconds,psnr_db,ssim,flicker,butteraugli,butteraugli_3norm,ssimulacra,frames_scored,gif"

    public static func write(_ report: BenchReport, options: BenchOptions, to dir: String) throws {
        try csv(report.rows).write(toFile: "\(dir)/results.csv", atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: "\(dir)/results.json"))
        try html(report).write(toFile: "\(dir)/index.html", atomically: true, encoding: .utf8)
    }

    public static func csv(_ rows: [BenchRow]) -> String {
        func field(_ s: String) -> String {
            s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        // A metric with no value (tool missing or failed) is an empty field, never a made-up number.
        func opt(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "" }
        var lines = [csvHeader]
        for r in rows {
            lines.append([
                field(r.clip), r.tool, r.quantizer, r.dither, r.colorSpace, "\(r.lossy)", "\(r.colors)", "\(r.width)", "\(r.height)", "\(r.frames)",
                "\(r.bytes)", String(format: "%.3f", r.seconds), String(format: "%.3f", r.psnr), String(format: "%.5f", r.ssim),
                opt(r.flicker, "%.5f"), opt(r.butteraugli, "%.4f"), opt(r.butteraugli3Norm, "%.4f"), opt(r.ssimulacra, "%.5f"),
                "\(r.framesScored)", field(r.gif),
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
    static func colour(_ i: Int) -> String { colours[i % colours.count] }
    static func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
    static func na(_ v: Double?, _ digits: Int) -> String { v.map { f($0, digits) } ?? "n/a" }

    /// "Nice" axis range with a little margin; never empty.
    static func range(_ values: [Double]) -> (Double, Double) {
        guard var lo = values.min(), var hi = values.max() else { return (0, 1) }
        if hi - lo < 1e-9 { lo -= 0.5 * max(abs(lo), 1e-3); hi += 0.5 * max(abs(hi), 1e-3) }
        let pad = (hi - lo) * 0.08
        return (lo - pad, hi + pad)
    }

    /// A quality metric on the scatter's y axis.
    struct Metric: Sendable {
        var name: String
        var value: @Sendable (BenchRow) -> Double?
        var digits: Int
        /// The y axis' label, which says whether higher or lower is better.
        var axisLabel: String
    }

    static let ssimMetric = Metric(name: "SSIM", value: { $0.ssim }, digits: 4, axisLabel: "SSIM (higher is better)")
    static let butteraugliMetric = Metric(name: "butteraugli", value: { $0.butteraugli }, digits: 3,
                                          axisLabel: "butteraugli (lower is better)")

    /// Bytes against `metric`, one mark per row that has a value (each row keeps its colour across plots).
    static func scatter(_ rows: [BenchRow], metric: Metric = ssimMetric) -> String {
        let scored = rows.enumerated().compactMap { i, row in metric.value(row).map { (i, row, $0) } }
        let w = 640.0, h = 360.0, l = 70.0, r = 20.0, t = 20.0, b = 50.0
        let (x0, x1) = range(scored.map { Double($0.1.bytes) })
        let (y0, y1) = range(scored.map(\.2))
        func px(_ v: Double) -> Double { l + (v - x0) / (x1 - x0) * (w - l - r) }
        func py(_ v: Double) -> Double { h - b - (v - y0) / (y1 - y0) * (h - t - b) }
        var s = "<svg class=\"plot scatter\" data-metric=\"\(esc(metric.name))\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\">"
        s += axes(w: w, h: h, l: l, r: r, t: t, b: b, xLabel: "bytes", yLabel: metric.axisLabel,
                  xTicks: (x0, x1, { "\(Int($0 / 1000)) k" }), yTicks: (y0, y1, { f($0, metric.digits) }))
        for (i, row, v) in scored {
            let cx = px(Double(row.bytes)), cy = py(v)
            let shape = row.tool == "gifsmith"
                ? "<circle cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"6\" fill=\"\(colour(i))\">"
                : "<rect x=\"\(f(cx - 6))\" y=\"\(f(cy - 6))\" width=\"12\" height=\"12\" fill=\"\(colour(i))\">"
            s += shape + "<title>\(esc(row.setting)): \(row.bytes) B, \(metric.name) \(f(v, metric.digits))</title>" + (row.tool == "gifsmith" ? "</circle>" : "</rect>")
            s += "<text x=\"\(f(cx + 8))\" y=\"\(f(cy - 6))\" font-size=\"10\">\(esc(row.setting))</text>"
        }
        return s + "</svg>"
    }

    static func speedBars(_ rows: [BenchRow]) -> String {
        let barH = 18.0, l = 230.0, w = 640.0, t = 10.0
        let h = t + Double(rows.count) * (barH + 6) + 30
        let maxS = max(rows.map(\.seconds).max() ?? 1, 1e-6)
        var s = "<svg class=\"plot speed\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\">"
        for (i, row) in rows.enumerated() {
            let y = t + Double(i) * (barH + 6)
            let bw = max(1, row.seconds / maxS * (w - l - 80))
            s += "<text x=\"\(f(l - 6))\" y=\"\(f(y + 13))\" font-size=\"11\" text-anchor=\"end\">\(esc(row.setting))</text>"
            s += "<rect x=\"\(f(l))\" y=\"\(f(y))\" width=\"\(f(bw))\" height=\"\(f(barH))\" fill=\"\(colour(i))\"><title>\(f(row.seconds, 3)) s</title></rect>"
            s += "<text x=\"\(f(l + bw + 4))\" y=\"\(f(y + 13))\" font-size=\"11\">\(f(row.seconds, 2)) s</text>"
        }
        s += "<text x=\"\(f(l))\" y=\"\(f(h - 8))\" font-size=\"11\">wall seconds per encode (gifsmith in process; reference tools as child processes)</text>"
        return s + "</svg>"
    }

    static func perFrame(_ rows: [BenchRow]) -> String {
        let w = 640.0, plotH = 300.0, l = 70.0, r = 20.0, t = 20.0, b = 50.0
        // A legend below the plot, two entries a line.
        let legendLines = (rows.count + 1) / 2
        let fullH = plotH + Double(legendLines) * 16 + 8
        let h = plotH
        let xs = rows.flatMap { $0.perFrame.map(\.seconds) }
        let ys = rows.flatMap { $0.perFrame.map(\.ssim) }
        let (x0, x1) = range(xs)
        let (y0, y1) = range(ys)
        func px(_ v: Double) -> Double { l + (v - x0) / (x1 - x0) * (w - l - r) }
        func py(_ v: Double) -> Double { h - b - (v - y0) / (y1 - y0) * (h - t - b) }
        var s = "<svg class=\"plot perframe\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(fullH))\" viewBox=\"0 0 \(Int(w)) \(Int(fullH))\">"
        s += axes(w: w, h: h, l: l, r: r, t: t, b: b, xLabel: "seconds", yLabel: "SSIM",
                  xTicks: (x0, x1, { f($0, 2) }), yTicks: (y0, y1, { f($0, 4) }))
        for (i, row) in rows.enumerated() {
            let pts = row.perFrame.map { "\(f(px($0.seconds))),\(f(py($0.ssim)))" }.joined(separator: " ")
            s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(colour(i))\" stroke-width=\"2\"><title>\(esc(row.setting))</title></polyline>"
            for p in row.perFrame {
                s += "<circle cx=\"\(f(px(p.seconds)))\" cy=\"\(f(py(p.ssim)))\" r=\"2.5\" fill=\"\(colour(i))\"><title>\(esc(row.setting)) frame \(p.gifFrame): SSIM \(f(p.ssim, 4)), PSNR \(f(p.psnr, 2)) dB</title></circle>"
            }
        }
        for (i, row) in rows.enumerated() {
            let lx = l + Double(i % 2) * 280, ly = plotH + 4 + Double(i / 2) * 16
            s += "<rect x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"14\" height=\"10\" fill=\"\(colour(i))\"/>"
            s += "<text x=\"\(f(lx + 18))\" y=\"\(f(ly + 9))\" font-size=\"11\">\(esc(row.setting))</text>"
        }
        return s + "</svg>"
    }

    static func axes(w: Double, h: Double, l: Double, r: Double, t: Double, b: Double, xLabel: String, yLabel: String,
                     xTicks: (Double, Double, (Double) -> String), yTicks: (Double, Double, (Double) -> String)) -> String {
        var s = "<rect x=\"0\" y=\"0\" width=\"\(Int(w))\" height=\"\(Int(h))\" fill=\"#fff\"/>"
        s += "<line x1=\"\(l)\" y1=\"\(h - b)\" x2=\"\(w - r)\" y2=\"\(h - b)\" stroke=\"#333\"/>"
        s += "<line x1=\"\(l)\" y1=\"\(t)\" x2=\"\(l)\" y2=\"\(h - b)\" stroke=\"#333\"/>"
        for k in 0...4 {
            let fx = Double(k) / 4
            let x = l + fx * (w - l - r), y = h - b - fx * (h - t - b)
            s += "<line x1=\"\(f(x))\" y1=\"\(h - b)\" x2=\"\(f(x))\" y2=\"\(h - b + 4)\" stroke=\"#333\"/>"
            s += "<text x=\"\(f(x))\" y=\"\(f(h - b + 16))\" font-size=\"10\" text-anchor=\"middle\">\(esc(xTicks.2(xTicks.0 + fx * (xTicks.1 - xTicks.0))))</text>"
            s += "<line x1=\"\(l)\" y1=\"\(f(y))\" x2=\"\(w - r)\" y2=\"\(f(y))\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(f(l - 4))\" y=\"\(f(y + 3))\" font-size=\"10\" text-anchor=\"end\">\(esc(yTicks.2(yTicks.0 + fx * (yTicks.1 - yTicks.0))))</text>"
        }
        s += "<text x=\"\(f((l + w - r) / 2))\" y=\"\(f(h - 12))\" font-size=\"12\" text-anchor=\"middle\">\(xLabel)</text>"
        s += "<text x=\"14\" y=\"\(f((t + h - b) / 2))\" font-size=\"12\" transform=\"rotate(-90 14 \(f((t + h - b) / 2)))\" text-anchor=\"middle\">\(yLabel)</text>"
        return s
    }

    public static func html(_ report: BenchReport) -> String {
        var clips: [String] = []
        for r in report.rows where !clips.contains(r.clip) { clips.append(r.clip) }
        var s = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>gifsmith bench</title>
        <style>
        body { font: 14px sans-serif; margin: 24px; color: #222; background: #fafafa; }
        table { border-collapse: collapse; margin: 8px 0 16px; } td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
        th { background: #eee; } td.l { text-align: left; }
        .crops { display: flex; flex-wrap: wrap; gap: 12px; } figure { margin: 0; }
        figure img { width: 320px; image-rendering: pixelated; border: 1px solid #999; }
        figcaption { font-size: 11px; max-width: 320px; } svg { background: #fff; border: 1px solid #ddd; margin: 6px 6px 6px 0; }
        </style></head><body>
        <h1>gifsmith bench</h1>
        <p class="method">\(esc(report.method))</p>

        """
        if !report.notes.isEmpty {
            s += "<ul class=\"notes\">" + report.notes.map { "<li>\(esc($0))</li>" }.joined() + "</ul>\n"
        }
        for clip in clips {
            let rows = report.rows.filter { $0.clip == clip }
            s += "<section class=\"clip\"><h2>\(esc(clip))</h2>\n<table><tr><th>setting</th><th>bytes</th><th>seconds</th><th>PSNR dB ↑</th><th>SSIM ↑</th><th>flicker ↓</th><th>butteraugli ↓</th><th>butteraugli 3-norm ↓</th><th>SSIMULACRA ↓</th><th>frames</th><th>size</th></tr>\n"
            for r in rows {
                s += "<tr><td class=\"l\">\(esc(r.setting))</td><td>\(r.bytes)</td><td>\(f(r.seconds, 3))</td><td>\(f(r.psnr, 2))</td><td>\(f(r.ssim, 4))</td><td>\(na(r.flicker, 4))</td><td>\(na(r.butteraugli, 3))</td><td>\(na(r.butteraugli3Norm, 3))</td><td>\(na(r.ssimulacra, 4))</td><td>\(r.framesScored)/\(r.frames)</td><td>\(r.width)x\(r.height)</td></tr>\n"
            }
            s += "</table>\n<p class=\"legend\">↑ higher is better, ↓ lower is better. n/a: no value (see the notes above).</p>\n"
            s += "<h3>Bytes against SSIM (circles: gifsmith; squares: reference tools)</h3>\n" + scatter(rows)
            if rows.contains(where: { $0.butteraugli != nil }) {
                s += "\n<h3>Bytes against butteraugli, lower is better (circles: gifsmith; squares: reference tools)</h3>\n"
                    + scatter(rows, metric: butteraugliMetric)
            }
            s += "\n<h3>Speed</h3>\n" + speedBars(rows)
            s += "\n<h3>SSIM per scored frame over time</h3>\n" + perFrame(rows)
            s += "\n<h3>The same frame, centre crop, 2x</h3>\n<div class=\"crops\">"
            if let ref = report.referenceCrops[clip] {
                s += "<figure><img src=\"\(esc(ref))\" alt=\"reference\"><figcaption>reference (unquantised)</figcaption></figure>"
            }
            for r in rows {
                if let c = r.crop {
                    s += "<figure><img src=\"\(esc(c))\" alt=\"\(esc(r.setting))\"><figcaption>\(esc(r.setting)): \(r.bytes) B, SSIM \(f(r.ssim, 4))</figcaption></figure>"
                }
            }
            s += "</div></section>\n"
        }
        return s + "</body></html>\n"
    }
}
