// One source for the ELF fix of TorchSharp's libLibTorchSharp.so, compiled twice: by MSBuild's RoslynCodeTaskFactory as
// the WeakenElfVersionNeed build task of GFlowNetML.Torch.targets (shipped beside it in the package's buildTransitive/),
// and into GFlowNetML.Torch itself (where GFLOWNETML_TORCH is defined and the task class is left out) for the run-time
// repair of an unpatched copy (TorchNative).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace GFlowNetML.Torch.Native
{
    /// <summary>What <see cref="ElfVersionNeed.Weaken"/> found.</summary>
    internal enum ElfVersionNeedState
    {
        /// <summary>The version need was strong and is now marked weak in the bytes.</summary>
        Weakened,

        /// <summary>The version need is already weak.</summary>
        AlreadyWeak,

        /// <summary>The file has no need of that version.</summary>
        Absent,

        /// <summary>The file is not a well-formed 64-bit little-endian ELF file.</summary>
        Malformed,
    }

    /// <summary>
    /// Marks one version need (an <c>SHT_GNU_verneed</c> Vernaux entry, e.g. GLIBCXX_3.4.32) of an ELF shared library
    /// <c>VER_FLG_WEAK</c>, so that the dynamic loader accepts a libstdc++ that lacks the version. libLibTorchSharp.so of
    /// TorchSharp 0.107 needs GLIBCXX_3.4.32 (GCC 13) for one symbol only, <c>_ZSt21ios_base_library_initv</c>, to which no
    /// relocation refers; Debian 12's libstdc++ stops at 3.4.30.
    /// </summary>
    internal static class ElfVersionNeed
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;

        /// <summary>Sets VER_FLG_WEAK on the need of <paramref name="versionName"/> in <paramref name="data"/> (in place).</summary>
        /// <param name="data">The file's bytes.</param>
        /// <param name="versionName">The version, e.g. <c>GLIBCXX_3.4.32</c>.</param>
        /// <param name="problem">Why the file is <see cref="ElfVersionNeedState.Malformed"/>, else null.</param>
        public static ElfVersionNeedState Weaken(byte[] data, string versionName, out string? problem)
        {
            long flagsOffset = FindVernauxFlags(data, versionName, out problem);
            if (problem != null) return ElfVersionNeedState.Malformed;
            if (flagsOffset < 0) return ElfVersionNeedState.Absent;
            ushort flags = ReadU16(data, flagsOffset);
            if ((flags & VerFlgWeak) != 0) return ElfVersionNeedState.AlreadyWeak;
            WriteU16(data, flagsOffset, (ushort)(flags | VerFlgWeak));
            return ElfVersionNeedState.Weakened;
        }

        /// <summary>
        /// Writes <paramref name="data"/> to a fresh file and renames it over <paramref name="path"/>, so the old inode (which
        /// may be a hard link into the NuGet cache) is never modified. Keeps the mode (File.Copy keeps it on Unix) and the
        /// last-write time.
        /// </summary>
        public static void ReplaceFile(string path, byte[] data)
        {
            string dir = Path.GetDirectoryName(path) ?? ".";
            string temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            DateTime lastWrite = File.GetLastWriteTimeUtc(path);
            try
            {
                File.Copy(path, temp, false);
                using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write, FileShare.None))
                {
                    stream.SetLength(0);
                    stream.Write(data, 0, data.Length);
                }

                File.SetLastWriteTimeUtc(temp, lastWrite);
                File.Delete(path);   // netstandard2.0 (MSBuild's inline tasks) has no File.Move(…, overwrite)
                File.Move(temp, path);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
        }

        /// <summary>
        /// Returns the file offset of vna_flags of the Vernaux entry named <paramref name="name"/>, or -1 when there is none.
        /// Sets <paramref name="problem"/> (and returns -1) when the file is not a well-formed ELF64 little-endian file.
        /// </summary>
        private static long FindVernauxFlags(byte[] d, string name, out string? problem)
        {
            problem = null;
            if (d.Length < 64 || d[0] != 0x7f || d[1] != (byte)'E' || d[2] != (byte)'L' || d[3] != (byte)'F')
            {
                problem = "not an ELF file";
                return -1;
            }

            if (d[4] != 2 || d[5] != 1)
            {
                problem = "not a 64-bit little-endian ELF file";
                return -1;
            }

            ulong shoff = ReadU64(d, 0x28);
            ushort shentsize = ReadU16(d, 0x3A);
            ulong shnum = ReadU16(d, 0x3C);
            if (shoff == 0)
            {
                problem = "no section header table";
                return -1;
            }

            if (shentsize < 64 || !InRange(d, shoff, 64))
            {
                problem = "bad section header table";
                return -1;
            }

            if (shnum == 0)
            {
                // More than 0xff00 sections: the real count is in section 0's sh_size.
                shnum = ReadU64(d, (long)shoff + 32);
            }

            if (shnum > 0x100000 || !InRange(d, shoff, shnum * shentsize))
            {
                problem = "bad section header table";
                return -1;
            }

            byte[] wanted = Encoding.ASCII.GetBytes(name);
            for (ulong i = 0; i < shnum; i++)
            {
                long sh = (long)(shoff + i * shentsize);
                if (ReadU32(d, sh + 4) != ShtGnuVerneed)
                {
                    continue;
                }

                ulong secOff = ReadU64(d, sh + 24);
                ulong secSize = ReadU64(d, sh + 32);
                uint link = ReadU32(d, sh + 40);
                uint count = ReadU32(d, sh + 44);
                if (!InRange(d, secOff, secSize) || link >= shnum)
                {
                    problem = "bad SHT_GNU_verneed section";
                    return -1;
                }

                long strSh = (long)(shoff + link * shentsize);
                ulong strOff = ReadU64(d, strSh + 24);
                ulong strSize = ReadU64(d, strSh + 32);
                if (!InRange(d, strOff, strSize))
                {
                    problem = "bad string table for SHT_GNU_verneed";
                    return -1;
                }

                ulong vn = secOff;
                ulong secEnd = secOff + secSize;
                // sh_info holds the number of Verneed entries; also bound the walk by the section size.
                for (uint n = 0; n < count && n < 0x10000; n++)
                {
                    if (vn + 16 > secEnd)
                    {
                        problem = "Verneed entry outside its section";
                        return -1;
                    }

                    ushort auxCount = ReadU16(d, (long)vn + 2);
                    uint vnAux = ReadU32(d, (long)vn + 8);
                    uint vnNext = ReadU32(d, (long)vn + 12);
                    ulong aux = vn + vnAux;
                    for (ushort k = 0; k < auxCount; k++)
                    {
                        if (aux + 16 > secEnd)
                        {
                            problem = "Vernaux entry outside its section";
                            return -1;
                        }

                        uint vnaName = ReadU32(d, (long)aux + 8);
                        uint vnaNext = ReadU32(d, (long)aux + 12);
                        if (NameEquals(d, strOff, strSize, vnaName, wanted))
                        {
                            return (long)aux + 4;
                        }

                        if (vnaNext == 0)
                        {
                            break;
                        }

                        aux += vnaNext;
                    }

                    if (vnNext == 0)
                    {
                        break;
                    }

                    vn += vnNext;
                }
            }

            return -1;
        }

        private static bool NameEquals(byte[] d, ulong strOff, ulong strSize, uint index, byte[] wanted)
        {
            if ((ulong)index + (ulong)wanted.Length + 1 > strSize)
            {
                return false;
            }

            long start = (long)(strOff + index);
            for (int i = 0; i < wanted.Length; i++)
            {
                if (d[start + i] != wanted[i])
                {
                    return false;
                }
            }

            return d[start + wanted.Length] == 0;
        }

        private static bool InRange(byte[] d, ulong offset, ulong size) => offset <= (ulong)d.Length && size <= (ulong)d.Length - offset;

        private static ushort ReadU16(byte[] d, long o) => (ushort)(d[o] | (d[o + 1] << 8));

        private static uint ReadU32(byte[] d, long o) => (uint)(d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24));

        private static ulong ReadU64(byte[] d, long o) => ReadU32(d, o) | ((ulong)ReadU32(d, o + 4) << 32);

        private static void WriteU16(byte[] d, long o, ushort v) { d[o] = (byte)v; d[o + 1] = (byte)(v >> 8); }
    }
}

#if !GFLOWNETML_TORCH
/// <summary>The MSBuild task: weakens the version need in each file of <c>Files</c>, in place (by rename).</summary>
public class WeakenElfVersionNeed : Microsoft.Build.Utilities.Task
{
    /// <summary>The files to patch; absent ones are skipped.</summary>
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];

    /// <summary>The version whose need to weaken, e.g. GLIBCXX_3.4.32.</summary>
    [Microsoft.Build.Framework.Required]
    public string VersionName { get; set; } = "";

    /// <summary>The files that were rewritten.</summary>
    [Microsoft.Build.Framework.Output]
    public Microsoft.Build.Framework.ITaskItem[] PatchedFiles { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];

    /// <inheritdoc/>
    public override bool Execute()
    {
        var patched = new List<Microsoft.Build.Framework.ITaskItem>();
        foreach (var item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                if (!File.Exists(path)) continue;
                byte[] data = File.ReadAllBytes(path);
                switch (GFlowNetML.Torch.Native.ElfVersionNeed.Weaken(data, VersionName, out string? problem))
                {
                    case GFlowNetML.Torch.Native.ElfVersionNeedState.Weakened:
                        GFlowNetML.Torch.Native.ElfVersionNeed.ReplaceFile(path, data);
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "Patched '{0}': version need {1} marked weak (VER_FLG_WEAK).", path, VersionName);
                        patched.Add(item);
                        break;
                    case GFlowNetML.Torch.Native.ElfVersionNeedState.Malformed:
                        Log.LogWarning("Not patching '{0}': {1}", path, problem);
                        break;
                    default:
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "'{0}': no strong version need {1}; nothing to patch.", path, VersionName);
                        break;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Never fail the build over this: the run-time repair (TorchNative) is the second line.
                Log.LogWarning("Could not patch '{0}' (weak {1}): {2}", path, VersionName, ex.Message);
            }
        }

        PatchedFiles = patched.ToArray();
        return true;
    }
}
#endif
