// MSBuild task: makes TorchSharp's native library loadable where the system libstdc++ predates
// GLIBCXX_3.4.32 (GCC 13), e.g. Debian 12. libLibTorchSharp.so requires that version for one symbol,
// _ZSt21ios_base_library_initv, which it never calls. The task marks the GLIBCXX_3.4.32 requirement
// weak (VER_FLG_WEAK) and clears that symbol's version, so the dynamic loader accepts the library.
// Used by LossLab.LibTorchSharpFix.targets, in this repository's build and in the packages' buildTransitive folder.
using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PatchLibTorchSharp : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlgWeak = 0x2;
    private const string Needed = "GLIBCXX_3.4.32";

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Patch even when this machine's libstdc++ has the version (for files that will run elsewhere).</summary>
    public bool Always { get; set; }

    public override bool Execute()
    {
        if (!Always && (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || SystemHasVersion()))
        {
            return true;
        }

        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            try
            {
                var result = Patch(path);
                Log.LogMessage(MessageImportance.Normal, $"libLibTorchSharp fix: {path}: {result}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                Log.LogWarning($"Could not patch {path} for the system libstdc++: {ex.Message}");
            }
        }

        return !Log.HasLoggedErrors;
    }

    private static bool SystemHasVersion()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        };
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                var bytes = File.ReadAllBytes(candidate);
                return IndexOf(bytes, Encoding.ASCII.GetBytes(Needed + "\0")) >= 0;
            }
        }

        // No libstdc++ where we looked: patching is harmless, the requirement only becomes weak.
        return false;
    }

    /// <summary>Patches one file in place; returns what was done.</summary>
    public static string Patch(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        }

        var shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        long verneedOff = -1, versymOff = -1, versymSize = 0;
        uint verneedCount = 0, strIndex = 0;
        for (var i = 0; i < shnum; i++)
        {
            var sh = shoff + ((long)i * shentsize);
            var type = BitConverter.ToUInt32(elf, (int)sh + 4);
            if (type == ShtGnuVerneed)
            {
                verneedOff = (long)BitConverter.ToUInt64(elf, (int)sh + 24);
                strIndex = BitConverter.ToUInt32(elf, (int)sh + 40);
                verneedCount = BitConverter.ToUInt32(elf, (int)sh + 44);
            }
            else if (type == ShtGnuVersym)
            {
                versymOff = (long)BitConverter.ToUInt64(elf, (int)sh + 24);
                versymSize = (long)BitConverter.ToUInt64(elf, (int)sh + 32);
            }
        }

        if (verneedOff < 0)
        {
            return "no version requirements";
        }

        var strOff = (long)BitConverter.ToUInt64(elf, (int)(shoff + ((long)strIndex * shentsize) + 24));
        var changed = false;
        ushort index = 0;
        var vn = verneedOff;
        for (var n = 0; n < verneedCount; n++)
        {
            int count = BitConverter.ToUInt16(elf, (int)vn + 2);
            var aux = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
            for (var a = 0; a < count; a++)
            {
                var name = ReadString(elf, strOff + BitConverter.ToUInt32(elf, (int)aux + 8));
                if (name == Needed)
                {
                    var flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    index = BitConverter.ToUInt16(elf, (int)aux + 6);
                    if ((flags & VerFlgWeak) == 0)
                    {
                        WriteUInt16(elf, (int)aux + 4, (ushort)(flags | VerFlgWeak));
                        changed = true;
                    }
                }

                aux += BitConverter.ToUInt32(elf, (int)aux + 12);
            }

            vn += BitConverter.ToUInt32(elf, (int)vn + 12);
        }

        if (index == 0)
        {
            return "does not require " + Needed;
        }

        if (versymOff >= 0)
        {
            for (var p = versymOff; p < versymOff + versymSize; p += 2)
            {
                if ((BitConverter.ToUInt16(elf, (int)p) & 0x7fff) == index)
                {
                    WriteUInt16(elf, (int)p, 1);
                    changed = true;
                }
            }
        }

        if (!changed)
        {
            return "already patched";
        }

        var temp = path + ".patching";
        File.WriteAllBytes(temp, elf);
        File.Replace(temp, path, null);
        return "patched";
    }

    private static string ReadString(byte[] data, long offset)
    {
        var end = offset;
        while (end < data.Length && data[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(data, (int)offset, (int)(end - offset));
    }

    private static void WriteUInt16(byte[] data, int offset, ushort value)
    {
        data[offset] = (byte)(value & 0xff);
        data[offset + 1] = (byte)(value >> 8);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return i;
            }
        }

        return -1;
    }
}
