import Optimizers
import TensorJSON

/// `GET /v1/optimizers`: the kernel module's own table — names, hyperparameters with type,
/// default and bounds, variants and state buffers — written once.
enum OptimizerCatalogJSON {
    static let body: [UInt8] = {
        var w = JSONWriter(capacity: 16 * 1024)
        w.beginObject()
        w.key("optimizers")
        w.beginArray()
        for kind in OptimizerKind.allCases {
            let d = kind.definition
            w.beginObject()
            w.key("name"); w.writeString(kind.rawValue)
            w.key("formula"); w.writeString(d.formula)
            w.key("reference"); w.writeString(d.reference)
            w.key("hyperparameters")
            w.beginArray()
            for spec in d.hyperparameters { write(spec, into: &w) }
            w.endArray()
            w.key("variants"); w.beginArray(); for v in d.variants { w.writeString(v) }; w.endArray()
            w.key("state_buffers"); w.beginArray(); for b in d.stateBuffers { w.writeString(b) }; w.endArray()
            w.key("state_scalars"); w.beginArray(); for b in d.stateScalars { w.writeString(b) }; w.endArray()
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }()

    private static func write(_ spec: HyperparameterSpec, into w: inout JSONWriter) {
        w.beginObject()
        w.key("name"); w.writeString(spec.name)
        w.key("description"); w.writeString(spec.summary)
        switch spec.kind {
        case let .number(value, bounds):
            w.key("type"); w.writeString("number")
            w.key("default"); w.writeNumber(value)
            writeBounds(bounds, into: &w)
        case let .boolean(value):
            w.key("type"); w.writeString("boolean")
            w.key("default"); w.writeBool(value)
        case let .pair(value, bounds):
            w.key("type"); w.writeString("array")
            w.key("items"); w.writeNumber(2)
            w.key("default"); w.beginArray(); w.writeNumber(value.0); w.writeNumber(value.1); w.endArray()
            writeBounds(bounds, into: &w)
        case let .choice(value, options):
            w.key("type"); w.writeString("string")
            w.key("default"); w.writeString(value)
            w.key("enum"); w.beginArray(); for o in options { w.writeString(o) }; w.endArray()
        }
        w.endObject()
    }

    private static func writeBounds(_ b: Bounds, into w: inout JSONWriter) {
        w.key(b.minimumInclusive ? "minimum" : "exclusive_minimum"); w.writeNumber(b.minimum)
        if let max = b.maximum { w.key(b.maximumInclusive ? "maximum" : "exclusive_maximum"); w.writeNumber(max) }
    }
}
