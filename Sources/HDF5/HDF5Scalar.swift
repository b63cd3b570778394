// Swift element types that map onto HDF5 numeric types.
import CHDF5

/// The HDF5 numeric types this module reads and writes.
public enum HDF5ScalarKind: Sendable, Equatable {
    case float32, float64, int8, uint8, int32, int64

    /// The in-memory type HDF5 converts to and from (`H5T_NATIVE_*`). Reads always ask for this type, so a
    /// file written big-endian or as another width is converted by the library. Call with the lock held.
    var nativeType: hid_t {
        switch self {
        case .float32: return ih5_t_native_float()
        case .float64: return ih5_t_native_double()
        case .int8: return ih5_t_native_int8()
        case .uint8: return ih5_t_native_uint8()
        case .int32: return ih5_t_native_int32()
        case .int64: return ih5_t_native_int64()
        }
    }

    /// The type stored in new files: the little-endian standard types h5py and NumPy write by default
    /// (`<f4`, `<f8`, `i1`, `u1`, `<i4`, `<i8`). Call with the lock held.
    var fileType: hid_t {
        switch self {
        case .float32: return ih5_t_ieee_f32le()
        case .float64: return ih5_t_ieee_f64le()
        case .int8: return ih5_t_std_i8le()
        case .uint8: return ih5_t_std_u8le()
        case .int32: return ih5_t_std_i32le()
        case .int64: return ih5_t_std_i64le()
        }
    }

    /// Size of one element in bytes.
    var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .int8, .uint8: return 1
        }
    }
}

/// A Swift type stored as one HDF5 number. Conformers are plain bit patterns, so buffers of them are
/// handed to libhdf5 as they are.
public protocol HDF5Scalar: BitwiseCopyable, Sendable {
    static var hdf5Kind: HDF5ScalarKind { get }
}

extension Float: HDF5Scalar { public static var hdf5Kind: HDF5ScalarKind { .float32 } }
extension Double: HDF5Scalar { public static var hdf5Kind: HDF5ScalarKind { .float64 } }
extension Int8: HDF5Scalar { public static var hdf5Kind: HDF5ScalarKind { .int8 } }
extension UInt8: HDF5Scalar { public static var hdf5Kind: HDF5ScalarKind { .uint8 } }
extension Int32: HDF5Scalar { public static var hdf5Kind: HDF5ScalarKind { .int32 } }
extension Int64: HDF5Scalar { public static var hdf5Kind: HDF5ScalarKind { .int64 } }
