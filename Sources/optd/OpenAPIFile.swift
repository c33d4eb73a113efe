import Foundation
import Logging

/// Finds openapi.yaml: the given path, else beside the executable or in a parent folder of it
/// (so `swift run` from a checkout and the container both find the repo's file).
enum OpenAPIFile {
    static func load(_ path: String, logger: Logger) -> [UInt8]? {
        var candidates = [path]
        if !path.hasPrefix("/") {
            var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<5 {
                candidates.append(dir.appendingPathComponent(path).path)
                dir.deleteLastPathComponent()
            }
        }
        for candidate in candidates {
            if let data = FileManager.default.contents(atPath: candidate) {
                logger.debug("serving OpenAPI document", metadata: ["path": .string(candidate)])
                return [UInt8](data)
            }
        }
        logger.warning("openapi.yaml not found; /openapi.yaml will answer 404", metadata: ["path": .string(path)])
        return nil
    }
}
