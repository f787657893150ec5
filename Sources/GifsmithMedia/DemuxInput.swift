import CFFmpeg
import Foundation

/// An opened container: owns the `AVFormatContext` and knows which stream is the video.
///
/// Checks that FFmpeg reports poorly (missing file, directory, empty file) are made up front
/// so each gets its own error; everything FFmpeg rejects afterwards is classified by sniffing
/// the first bytes: a recognisable container that will not open is damaged, anything else is
/// not media at all.
final class DemuxInput {
    /// The name used in messages: the path as given, or "stdin".
    let name: String
    let isPipe: Bool
    private(set) var context: UnsafeMutablePointer<AVFormatContext>
    let videoStreamIndex: Int32
    let hasAudio: Bool

    var videoStream: UnsafeMutablePointer<AVStream> { context.pointee.streams[Int(videoStreamIndex)]! }

    init(path: String) throws {
        silenceFFmpegLogging()
        let isPipe = path == "-" || path == "pipe:0" || path == "pipe:"
        let isURL = !isPipe && path.contains("://")
        let name = isPipe ? "stdin" : path
        self.name = name
        self.isPipe = isPipe
        if !isPipe && !isURL {
            try Self.checkLocalFile(path)
        }
        // "file:" keeps a relative path containing ':' from being read as a protocol name.
        let url = isPipe ? "pipe:0" : (isURL ? path : "file:" + path)

        var options: OpaquePointer? = nil
        // The image2 demuxer would otherwise read '%' in a file name as a sequence pattern.
        av_dict_set(&options, "pattern_type", "none", 0)
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        let openResult = avformat_open_input(&ctx, url, nil, &options)
        av_dict_free(&options)
        guard openResult >= 0, let opened = ctx else {
            throw Self.classifyOpenFailure(openResult, path: path, name: name, sniff: !isPipe && !isURL)
        }

        let infoResult = avformat_find_stream_info(opened, nil)
        if infoResult < 0 && opened.pointee.nb_streams == 0 {
            avformat_close_input(&ctx)
            throw MediaError.corrupt(path: name, detail: "no streams could be read: \(avErrorString(infoResult))")
        }

        var audio = false
        var anyVideo = false
        var fallbackVideo: Int32 = -1
        for i in 0..<Int(opened.pointee.nb_streams) {
            guard let st = opened.pointee.streams[i], let par = st.pointee.codecpar else { continue }
            switch par.pointee.codec_type {
            case AVMEDIA_TYPE_AUDIO: audio = true
            case AVMEDIA_TYPE_VIDEO:
                anyVideo = true
                if st.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0 && fallbackVideo < 0 {
                    fallbackVideo = Int32(i)
                }
            default: break
            }
        }
        // Cover art in audio files is a one-picture "video" stream; it is not a video.
        var best = av_find_best_stream(opened, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        if best >= 0, opened.pointee.streams[Int(best)]!.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 {
            best = fallbackVideo
        }
        if best < 0 { best = fallbackVideo }
        guard best >= 0 else {
            let format = cString(opened.pointee.iformat?.pointee.name, or: "unknown")
            avformat_close_input(&ctx)
            if audio || anyVideo { throw MediaError.noVideoStream(path: name) }
            throw MediaError.notMedia(path: name, reason: "FFmpeg read it as '\(format)' but found no audio or video in it")
        }
        // Streams we do not decode should cost nothing in the demuxer.
        for i in 0..<Int(opened.pointee.nb_streams) where Int32(i) != best {
            opened.pointee.streams[i]!.pointee.discard = AVDISCARD_ALL
        }
        self.context = opened
        self.videoStreamIndex = best
        self.hasAudio = audio
    }

    deinit {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&ctx)
    }

    var formatName: String { cString(context.pointee.iformat?.pointee.name, or: "unknown") }
    var formatLongName: String { cString(context.pointee.iformat?.pointee.long_name, or: formatName) }

    private static func checkLocalFile(_ path: String) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            let err = errno
            if err == ENOENT || err == ENOTDIR { throw MediaError.fileNotFound(path: path) }
            throw MediaError.unreadable(path: path, reason: String(cString: strerror(err)))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw MediaError.unreadable(path: path, reason: "it is a directory, not a file")
        }
        if access(path, R_OK) != 0 {
            throw MediaError.unreadable(path: path, reason: "permission denied")
        }
        if (st.st_mode & S_IFMT) == S_IFREG && st.st_size == 0 {
            throw MediaError.emptyFile(path: path)
        }
    }

    private static func classifyOpenFailure(_ code: Int32, path: String, name: String, sniff: Bool) -> MediaError {
        let reason = avErrorString(code)
        if code == gs_averror(ENOENT) { return .fileNotFound(path: name) }
        if code == gs_averror(EACCES) || code == gs_averror(EISDIR) { return .unreadable(path: name, reason: reason) }
        if sniff, let format = sniffFormat(path) {
            return .corrupt(path: name, detail: "it looks like \(format) but FFmpeg cannot open it: \(reason)")
        }
        return .notMedia(path: name, reason: reason)
    }

    /// The container the first bytes belong to, judged by content alone (the extension would
    /// make any text file named .mp4 look like an MP4), nil when nothing is confident.
    private static func sniffFormat(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        let capacity = 4096
        var buffer = [UInt8](repeating: 0, count: capacity + Int(AVPROBE_PADDING_SIZE))
        let count = fread(&buffer, 1, capacity, file)
        guard count > 0 else { return nil }
        return buffer.withUnsafeMutableBufferPointer { buf -> String? in
            "".withCString { emptyName -> String? in
                var pd = AVProbeData()
                pd.filename = emptyName
                pd.buf = buf.baseAddress
                pd.buf_size = Int32(count)
                pd.mime_type = nil
                var score: Int32 = 0
                guard let fmt = av_probe_input_format3(&pd, 1, &score), score > AVPROBE_SCORE_EXTENSION else { return nil }
                return cString(fmt.pointee.long_name, or: cString(fmt.pointee.name, or: "a media file"))
            }
        }
    }
}
