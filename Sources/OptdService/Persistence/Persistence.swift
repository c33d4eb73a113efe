/// How sessions are kept on disk: the writer, and whether every change is saved before it is
/// acknowledged (`--sync-steps`) or in the background every `saveInterval`.
struct Persistence: Sendable {
    let writer: SessionWriter
    let syncSteps: Bool
    let saveInterval: Duration
}
