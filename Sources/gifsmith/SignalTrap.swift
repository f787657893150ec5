import Foundation
import Gifsmith

/// SIGINT/SIGTERM: the first asks the transcode to stop (it abandons its temporary output and the
/// command exits 130); a second one removes pending temporary files and exits at once.
final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []

    init(cancellation: CancellationFlag) {
        let queue = DispatchQueue(label: "gifsmith.signals")
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if cancellation.isCancelled {
                    Transcoder.removePendingTemporaryFiles()
                    _exit(130)
                }
                cancellation.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }

    func release() {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
