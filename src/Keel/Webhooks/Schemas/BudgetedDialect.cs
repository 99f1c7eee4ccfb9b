using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using Json.Schema.Keywords;

namespace Keel.Webhooks;

/// <summary>
/// JSON Schema 2020-12 as JsonSchema.Net implements it, except that every keyword that applies
/// subschemas charges the <see cref="SchemaBudget"/> before it runs, and <c>pattern</c> runs with a
/// match timeout. Every recursion of an evaluation passes through one of these keywords, so the
/// budget bounds the whole of it. <c>if</c>, <c>properties</c>, <c>patternProperties</c> and
/// <c>unevaluatedProperties</c> stay as they are: the library orders keywords by those exact types,
/// and the work they start is charged by the keywords of the subschemas they apply.
/// </summary>
internal static class BudgetedDialect
{
    /// <summary>How long one <c>pattern</c> may take on one string.</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    public static readonly Dialect Instance = new(
        new Budgeted.AdditionalProperties(),
        new Budgeted.AllOf(),
        AnchorKeyword.Instance,
        new Budgeted.AnyOf(),
        CommentKeyword.Instance,
        ConstKeyword.Instance,
        new Budgeted.Contains(),
        ContentEncodingKeyword.Instance,
        ContentMediaTypeKeyword.Instance,
        ContentSchemaKeyword.Instance,
        DefaultKeyword.Instance,
        DefsKeyword.Instance,
        DependentRequiredKeyword.Instance,
        new Budgeted.DependentSchemas(),
        DeprecatedKeyword.Instance,
        DescriptionKeyword.Instance,
        DynamicAnchorKeyword.Instance,
        Json.Schema.Keywords.Draft202012.DynamicRefKeyword.Instance,
        new Budgeted.Else(),
        EnumKeyword.Instance,
        ExamplesKeyword.Instance,
        ExclusiveMaximumKeyword.Instance,
        ExclusiveMinimumKeyword.Instance,
        Json.Schema.Keywords.Draft06.FormatKeyword.Annotate,
        IdKeyword.Instance,
        IfKeyword.Instance,
        new Budgeted.Items(),
        MaxContainsKeyword.Instance,
        MaximumKeyword.Instance,
        MaxItemsKeyword.Instance,
        MaxLengthKeyword.Instance,
        MaxPropertiesKeyword.Instance,
        MinContainsKeyword.Instance,
        MinimumKeyword.Instance,
        MinItemsKeyword.Instance,
        MinLengthKeyword.Instance,
        MinPropertiesKeyword.Instance,
        MultipleOfKeyword.Instance,
        new Budgeted.Not(),
        new Budgeted.OneOf(),
        new Budgeted.Pattern(),
        PatternPropertiesKeyword.Instance,
        new Budgeted.PrefixItems(),
        PropertiesKeyword.Instance,
        new Budgeted.PropertyNames(),
        ReadOnlyKeyword.Instance,
        new Budgeted.Ref(),
        RequiredKeyword.Instance,
        SchemaKeyword.Instance,
        new Budgeted.Then(),
        TitleKeyword.Instance,
        TypeKeyword.Instance,
        new Budgeted.UnevaluatedItems(),
        UnevaluatedPropertiesKeyword.Instance,
        new Budgeted.UniqueItems(),
        Json.Schema.Keywords.Draft201909.VocabularyKeyword.Instance,
        WriteOnlyKeyword.Instance)
    {
        Id = MetaSchemas.Draft202012Id,
        AllowUnknownKeywords = true,
    };

    /// <summary>Resolves <c>$schema</c> of 2020-12 to <see cref="Instance"/>, not to the library's own dialect.</summary>
    public static readonly DialectRegistry Registry = NewRegistry();

    static DialectRegistry NewRegistry()
    {
        var registry = new DialectRegistry();
        registry.Register(Instance);
        return registry;
    }

    static long Elements(EvaluationContext context) =>
        context.Instance.ValueKind == JsonValueKind.Array ? context.Instance.GetArrayLength() : 0;

    static long Properties(EvaluationContext context)
    {
        if (context.Instance.ValueKind != JsonValueKind.Object)
        {
            return 0;
        }
        var count = 0L;
        foreach (var _ in context.Instance.EnumerateObject())
        {
            count++;
        }
        return count;
    }

    /// <summary>The keywords, each charging what it is about to apply (at least one unit).</summary>
    static class Budgeted
    {
        static void Spend(long units) => SchemaBudget.Charge(Math.Max(units, 1));

        public sealed class Ref : RefKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(1);
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class AllOf : AllOfKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(keyword.Subschemas.Length);
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class AnyOf : AnyOfKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(keyword.Subschemas.Length);
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class OneOf : OneOfKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(keyword.Subschemas.Length);
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class Not : NotKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(1);
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class Then : ThenKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(1);
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class Else : ElseKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(1);
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class DependentSchemas : DependentSchemasKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(keyword.Subschemas.Length);
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class AdditionalProperties : AdditionalPropertiesKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(Properties(context));
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class PropertyNames : PropertyNamesKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(Properties(context));
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class Items : ItemsKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(Elements(context));
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class PrefixItems : PrefixItemsKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(keyword.Subschemas.Length);
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class Contains : ContainsKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(Elements(context));
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class UnevaluatedItems : UnevaluatedItemsKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(Elements(context));
                return base.Evaluate(keyword, context);
            }
        }

        public sealed class UniqueItems : UniqueItemsKeyword
        {
            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(Elements(context));
                return base.Evaluate(keyword, context);
            }
        }

        /// <summary>ECMAScript syntax as the library compiles it, with a match timeout; not compiled to IL, as tenants add patterns at will.</summary>
        public sealed class Pattern : PatternKeyword
        {
            public override object? ValidateKeywordValue(JsonElement value) =>
                value.ValueKind == JsonValueKind.String
                    ? new Regex(value.GetString()!, RegexOptions.ECMAScript, PatternTimeout)
                    : base.ValidateKeywordValue(value);

            public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
            {
                Spend(1);
                return base.Evaluate(keyword, context);
            }
        }
    }
}
