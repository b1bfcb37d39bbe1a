using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace PeerVault.Node.Api.S3;

/// <summary>
/// S3's XML: documents written into memory (they are small: a listing page, a receipt) and then
/// sent with their length; request bodies (a delete list, a part list) read with a size limit and
/// no DTD, matched by local name so a document with or without S3's namespace reads the same.
/// </summary>
public static class S3Xml
{
    public const string Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    private static readonly XmlWriterSettings WriterSettings = new() { Encoding = new UTF8Encoding(false), Indent = false, OmitXmlDeclaration = false };
    private static readonly XmlWriterSettings FragmentSettings = new() { Encoding = new UTF8Encoding(false), Indent = false, OmitXmlDeclaration = true };

    /// <summary>Writes a document whose root is <paramref name="root"/> in S3's namespace.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string root, Action<XmlWriter> body)
    {
        var bytes = Build(root, body);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/xml";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>A document in memory; without <paramref name="declaration"/> it may follow keep-alive whitespace (a declaration must come first).</summary>
    public static byte[] Build(string root, Action<XmlWriter> body, bool s3Namespace = true, bool declaration = true)
    {
        using var memory = new MemoryStream();
        using (var writer = XmlWriter.Create(memory, declaration ? WriterSettings : FragmentSettings))
        {
            if (declaration)
            {
                writer.WriteStartDocument();
            }

            writer.WriteStartElement(root, s3Namespace ? Namespace : string.Empty);
            body(writer);
            writer.WriteEndElement();
            if (declaration)
            {
                writer.WriteEndDocument();
            }
        }

        return memory.ToArray();
    }

    public static void Element(this XmlWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteElementString(name, value);
        }
    }

    public static void Element(this XmlWriter writer, string name, long value) => writer.WriteElementString(name, value.ToString(CultureInfo.InvariantCulture));

    public static void Element(this XmlWriter writer, string name, bool value) => writer.WriteElementString(name, value ? "true" : "false");

    /// <summary>S3's timestamp form in XML: ISO 8601 with milliseconds, UTC.</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads a request body of at most <paramref name="maxBytes"/> as XML (MalformedXML otherwise).</summary>
    public static async Task<XElement> ReadAsync(HttpRequest request, int maxBytes, Stream? body = null, CancellationToken cancellationToken = default)
    {
        var bytes = await ReadBodyAsync(body ?? request.Body, maxBytes, cancellationToken);
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(bytes), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XElement.Load(reader);
        }
        catch (XmlException ex)
        {
            throw S3Errors.MalformedXml(ex.Message);
        }
    }

    /// <summary>Reads a whole (small) body, refusing one larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]> ReadBodyAsync(Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (memory.Length + read > maxBytes)
            {
                throw S3Errors.MalformedXml($"the document is larger than {maxBytes} bytes");
            }

            memory.Write(buffer, 0, read);
        }

        return memory.ToArray();
    }

    public static IEnumerable<XElement> Children(this XElement element, string localName)
        => element.Elements().Where(e => e.Name.LocalName == localName);

    public static string? Child(this XElement element, string localName)
        => element.Elements().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;
}
