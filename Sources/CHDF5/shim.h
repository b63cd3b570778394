// libhdf5 (Debian's serial build, found through pkg-config `hdf5`). Most HDF5 constants are macros that
// Swift cannot import (they call H5open() or cast); each is exposed here as a static inline function.
#ifndef INTERLINGUA_CHDF5_SHIM_H
#define INTERLINGUA_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t ih5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t ih5_s_all(void) { return H5S_ALL; }
static inline hid_t ih5_p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t ih5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t ih5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t ih5_p_dataset_access(void) { return H5P_DATASET_ACCESS; }
static inline hid_t ih5_p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t ih5_p_group_create(void) { return H5P_GROUP_CREATE; }

static inline unsigned ih5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned ih5_f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned ih5_f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned ih5_f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hsize_t ih5_s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t ih5_t_variable(void) { return H5T_VARIABLE; }

static inline hid_t ih5_t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ih5_t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ih5_t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t ih5_t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t ih5_t_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t ih5_t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t ih5_t_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t ih5_t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t ih5_t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t ih5_t_c_s1(void) { return H5T_C_S1; }
static inline hid_t ih5_t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t ih5_t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t ih5_t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t ih5_t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t ih5_t_std_i8le(void) { return H5T_STD_I8LE; }
static inline hid_t ih5_t_std_u8le(void) { return H5T_STD_U8LE; }
static inline H5F_libver_t ih5_f_libver_latest(void) { return H5F_LIBVER_LATEST; }
static inline hid_t ih5_e_default(void) { return H5E_DEFAULT; }
static inline hid_t ih5_e_walk_downward(void) { return H5E_WALK_DOWNWARD; }
#endif
