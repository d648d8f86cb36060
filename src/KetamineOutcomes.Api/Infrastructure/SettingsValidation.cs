using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Validation of a settings section at start-up (data annotations and <see cref="IValidatableObject"/>), each failure one
/// sentence naming the setting as an operator writes it (<c>RateLimiting:Burst</c>), so that <see cref="StartupProblem"/>
/// can print it as is.
/// </summary>
internal static class SettingsValidation
{
    public static OptionsBuilder<T> ValidateSettings<T>(this OptionsBuilder<T> builder, string section) where T : class
    {
        builder.Services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(builder.Name, section));
        return builder.ValidateOnStart();
    }

    private sealed class SectionValidator<T>(string? optionsName, string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            if (optionsName is not null && optionsName != name) return ValidateOptionsResult.Skip;
            var results = new List<ValidationResult>();
            return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(results.Select(Describe));
        }

        // Our own messages already name the setting ("Auth:BootstrapAdminKey must be …"); the framework's defaults
        // ("The field Burst must be …") get the setting in front.
        private string Describe(ValidationResult result)
        {
            var message = result.ErrorMessage ?? "is not valid.";
            if (message.Contains(section + ":", StringComparison.Ordinal)) return message;
            var member = result.MemberNames.FirstOrDefault();
            return member is null ? $"{section}: {message}" : $"{section}:{member}: {message}";
        }
    }
}
